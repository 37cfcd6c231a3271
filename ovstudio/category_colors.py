"""Fixed colors of layer types, precisions and mapping classes, with hashed fallbacks.

Layer types are grouped in families with one color each. A family lists both the IR operation
name and the CPU plugin's runtime layer type where they differ (Constant and Const, Concat and
Concatenation, MaxPool and Pooling), so a layer keeps its color across the two graphs. A type
outside every family gets ``hashed_color`` of its name. Lookups ignore case, but callers show
the value as it is.
"""

from __future__ import annotations

from ovstudio import palette

# Family color -> the layer types of that family, IR and runtime names together.
_TYPE_FAMILIES: dict[str, tuple[str, ...]] = {
    palette.BLUE: (
        "Convolution", "GroupConvolution", "ConvolutionBackpropData", "GroupConvolutionBackpropData",
        "Deconvolution", "BinaryConvolution", "DeformableConvolution",
    ),
    palette.VERMILLION: ("MatMul", "FullyConnected", "Einsum"),
    palette.BLUISH_GREEN: ("Pooling", "MaxPool", "AvgPool", "AdaptiveMaxPool", "AdaptiveAvgPool"),
    palette.ORANGE: (
        "Eltwise", "Add", "Subtract", "Multiply", "Divide", "Power", "SquaredDifference", "Maximum",
        "Minimum", "Sqrt", "Exp", "Log", "Abs", "Negative", "Equal", "NotEqual", "Greater", "Less",
        "LogicalAnd", "LogicalOr", "LogicalNot", "Select", "Round", "Floor", "Ceiling",
    ),
    palette.REDDISH_PURPLE: (
        "Relu", "Sigmoid", "Tanh", "Clamp", "Elu", "Gelu", "Swish", "HSwish", "HSigmoid", "Mish",
        "PRelu", "SoftPlus", "SoftSign", "Erf",
    ),
    palette.YELLOW: ("Concat", "Concatenation"),
    palette.SKY_BLUE: (
        "MVN", "NormalizeL2", "BatchNormInference", "GroupNormalization", "LRN", "RMS",
        "Softmax", "SoftMax", "LogSoftmax",
    ),
    palette.BROWN: (
        "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Gather", "GatherND", "GatherElements",
        "Slice", "StridedSlice", "Split", "VariadicSplit", "Broadcast", "Tile", "Pad", "ShapeOf",
        "DepthToSpace", "SpaceToDepth",
    ),
    palette.PURPLE: ("Reorder", "Convert"),
    palette.GREEN: (
        "Reduce", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
        "ReduceL2", "ReduceLogicalAnd", "ReduceLogicalOr",
    ),
    palette.TEAL: ("Parameter", "Input", "Result", "Output"),
    palette.WARM_GREY: ("Constant", "Const"),
    palette.RED: ("If", "Loop", "TensorIterator"),
    # The CPU plugin's Subgraph runs several operations as one generated kernel (snippets).
    palette.PINK: ("Subgraph",),
}
_TYPE_COLORS: dict[str, str] = {
    layer_type.casefold(): color for color, types in _TYPE_FAMILIES.items() for layer_type in types
}

# OpenVINO element type names. Any other precision, such as nf4, f8e4m3, u1 or i4, is hashed.
_PRECISION_COLORS: dict[str, str] = {
    "f32": palette.BLUE,
    "f16": palette.SKY_BLUE,
    "bf16": palette.REDDISH_PURPLE,
    "f64": palette.TEAL,
    "i8": palette.BLUISH_GREEN,
    "u8": palette.YELLOW,
    "i32": palette.ORANGE,
    "i64": palette.VERMILLION,
    "boolean": palette.BROWN,
}

_MAPPING_CLASS_COLORS: dict[str, str] = {
    "intact": palette.BLUE,
    "fused": palette.ORANGE,
    "split": palette.REDDISH_PURPLE,
    "inserted": palette.VERMILLION,
    "mapped": palette.BLUE,
    "removed": palette.WARM_GREY,
    "nested": palette.BLUISH_GREEN,
}


def layer_type_color(layer_type: str) -> str:
    """Return the color of a layer type: its family's color, or a hashed one."""
    key = layer_type.casefold()
    return _TYPE_COLORS.get(key) or palette.hashed_color("type:" + key)


def precision_color(precision: str) -> str:
    """Return the color of an element type such as f32; unknown types get a hashed color."""
    key = precision.casefold()
    return _PRECISION_COLORS.get(key) or palette.hashed_color("precision:" + key)


def mapping_class_color(mapping_class: str) -> str:
    """Return the color of a runtime or IR mapping class; an unknown class gets a hashed color."""
    return _MAPPING_CLASS_COLORS.get(mapping_class) or palette.hashed_color("class:" + mapping_class)
