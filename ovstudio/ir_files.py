"""Check an OpenVINO IR's .xml and .bin before OpenVINO reads them.

The .xml is parsed with defusedxml, which rejects a DOCTYPE, entities and external references, so
a hostile file is never expanded or fetched.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from ovstudio.errors import ModelInputError


def check_ir_weights(folder: Path, xml_name: str, bin_name: str | None) -> None:
    """Check that an IR's .xml is a well-formed OpenVINO IR and its .bin has the size it needs."""
    root = parse_ir_xml(folder / xml_name, xml_name)
    required = required_weights_bytes(root, xml_name)
    expected_bin = f"{PurePosixPath(xml_name).stem}.bin"
    if bin_name is None:
        if required > 0:
            raise ModelInputError(
                f"{xml_name} needs its weights file {expected_bin} ({required} bytes), which is missing; "
                f"give {xml_name} together with {expected_bin}"
            )
        return

    # NOTE: a .bin of another model with exactly the size this .xml needs passes, because an IR
    # records no checksum of its weights.
    size = (folder / bin_name).stat().st_size
    if size < required:
        raise ModelInputError(
            f"{bin_name} has {size} bytes, but {xml_name} needs {required} bytes of weights: the .bin is "
            "truncated or belongs to another model; give the .bin saved together with this .xml"
        )
    if size > required:
        raise ModelInputError(
            f"{bin_name} has {size} bytes, but {xml_name} uses only {required} bytes of weights: the .bin "
            "probably belongs to another model; give the .bin saved together with this .xml"
        )


def parse_ir_xml(path: Path, name: str) -> Element:
    """Parse an IR .xml without expanding entities and return its ``<net>`` root element."""
    try:
        tree = SafeElementTree.parse(path, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise ModelInputError(
            f"{name} contains {_forbidden_construct(error)}, which an OpenVINO IR never has; it was "
            "rejected without expanding or fetching anything. Give the .xml saved by OpenVINO"
        ) from error
    except ParseError as error:
        raise ModelInputError(
            f"{name} is not well-formed XML ({error}); give the .xml saved by OpenVINO"
        ) from error
    except OSError as error:
        raise ModelInputError(
            f"cannot read {name}: {error.strerror or type(error).__name__}; check that the file is readable"
        ) from error
    except (LookupError, ValueError) as error:
        # expat raises these for an unknown or multi-byte encoding in the XML declaration.
        raise ModelInputError(
            f"{name} declares an XML encoding that cannot be read ({error}); OpenVINO saves IR .xml files "
            "in UTF-8. Give the .xml saved by OpenVINO"
        ) from error

    root = tree.getroot()
    if root.tag != "net":
        raise ModelInputError(
            f"{name} is not an OpenVINO IR: its root element is <{root.tag}>, expected <net>; "
            "give the .xml of an OpenVINO IR"
        )
    return root


def _forbidden_construct(error: defusedxml.DefusedXmlException) -> str:
    """Describe what defusedxml rejected in the user's words, without the exception's repr."""
    if isinstance(error, defusedxml.DTDForbidden):
        return "a DOCTYPE declaration"
    if isinstance(error, defusedxml.EntitiesForbidden):
        return f"a declaration of the entity {error.name!r}"
    if isinstance(error, defusedxml.ExternalReferenceForbidden):
        # The reference itself is not quoted: it may name a path on the server.
        return "a reference to an external resource"
    return "a DOCTYPE, entity or external reference"


def required_weights_bytes(root: Element, name: str) -> int:
    """Return the .bin size an IR needs: the max ``offset + size`` over its Const layers' data."""
    required = 0
    # iter() also walks the layers inside TensorIterator, Loop and If bodies, which share the .bin.
    for layer in root.iter("layer"):
        data = layer.find("data")
        if data is None or "offset" not in data.attrib or "size" not in data.attrib:
            continue
        try:
            offset, size = int(data.attrib["offset"]), int(data.attrib["size"])
        except ValueError as error:
            raise _invalid_data_error(name, layer, data) from error
        if offset < 0 or size < 0:
            raise _invalid_data_error(name, layer, data)
        required = max(required, offset + size)
    return required


def _invalid_data_error(name: str, layer: Element, data: Element) -> ModelInputError:
    return ModelInputError(
        f"{name} is not a valid OpenVINO IR: layer {layer.get('name')!r} has offset={data.get('offset')!r} "
        f"size={data.get('size')!r}, expected non-negative integers; give the .xml saved by OpenVINO"
    )
