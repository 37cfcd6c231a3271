import sys

from ovstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
