"""ovstudio: profile OpenVINO models and keep each run as a Parquet session."""

__version__ = "0.1.0"
