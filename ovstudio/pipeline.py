"""The whole profiling flow: model files in, a saved session out."""

from __future__ import annotations

import datetime
import logging
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovstudio.errors import ProfilingCancelled
from ovstudio.model_files import ModelBundle, prepare_model_files
from ovstudio.profiler.process import CancelFlag
from ovstudio.profiler.result import ProfileResult
from ovstudio.profiler.runner import run_profile
from ovstudio.session.folder import check_sessions_folder
from ovstudio.settings import ProfileSettings

if TYPE_CHECKING:
    from ovstudio.session.store import Session

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float, str], None]
ModelFiles = Sequence[tuple[str, bytes]] | Sequence[Path]


def profile_model(
    files: ModelFiles,
    settings: ProfileSettings,
    sessions_dir: Path,
    on_progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> Path:
    """Validate the model files, profile them in a worker process and save the session.

    Returns the path of the new session file. Raises ``ModelInputError`` for unusable input,
    ``ProfilingError`` when the device run fails and ``ProfilingCancelled`` when ``cancel`` is set
    before the session is written. The session file is written atomically under a new id.
    """
    check_sessions_folder(sessions_dir)
    with tempfile.TemporaryDirectory(prefix="ovstudio-model-") as work_dir:
        bundle = prepare_model_files(files, Path(work_dir))
        logger.info("profiling %s (%s) on %s", bundle.model_name, bundle.model_format, settings.device)
        # pandas, pyarrow and the session writer load while the worker runs, not after it.
        preload = threading.Thread(target=_import_session_modules, name="ovstudio-preload", daemon=True)
        preload.start()
        result = run_profile(bundle, settings, on_progress=on_progress, cancel=cancel)
        preload.join()

    if on_progress is not None:
        on_progress("save", 1.0, "Saving the session")
    from ovstudio.session.store import write_new_session

    session = build_session(bundle, settings, result)
    # The last moment a cancel takes effect: once the write starts, the file is written whole.
    if cancel is not None and cancel.is_set():
        logger.info("cancelled %s before saving its session", bundle.model_name)
        raise ProfilingCancelled(f"profiling {bundle.model_name} was cancelled before its session was saved", stage="save")
    path = write_new_session(session, sessions_dir)
    logger.info("session saved to %s", path)
    for warning in session.info.get("warnings") or []:
        logger.warning("%s: %s", session.session_id, warning)
    return path


def build_session(bundle: ModelBundle, settings: ProfileSettings, result: ProfileResult) -> Session:
    """Assemble a session from the model bundle, the settings and the worker's result."""
    import pandas as pd

    from ovstudio.mapping import apply_mapping, build_mapping
    from ovstudio.session.schema import MODEL_FILES, SCHEMA_VERSION
    from ovstudio.session.store import Session, new_session_id

    created = datetime.datetime.now(datetime.UTC)
    info: dict[str, Any] = dict(result.info)
    # The worker fills the model, device, settings and measurement columns; the parent adds
    # what identifies the saved file.
    info.update(
        schema_version=SCHEMA_VERSION,
        session_id=new_session_id(bundle.model_name, settings.device, created),
        created_utc=created,
    )

    tables = dict(result.tables)
    tables[MODEL_FILES.name] = pd.DataFrame(
        [(f.file_name, f.size_bytes, f.sha256) for f in bundle.files], columns=MODEL_FILES.column_names
    )
    mapping = build_mapping(tables["runtime_layers"], tables["ir_layers"])
    tables["runtime_layers"], tables["ir_layers"] = apply_mapping(
        tables["runtime_layers"], tables["ir_layers"], mapping
    )
    tables["mapping"] = mapping.mapping
    return Session(info=info, tables=tables)


def _import_session_modules() -> None:
    import ovstudio.mapping
    import ovstudio.session.store  # noqa: F401
