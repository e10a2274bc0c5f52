"""The three CNNs of the course notes, layer for layer as in ``shared/docs/MODELS.md``.

Every layer is named so that the predictor can address it (``conv1``, ``block3_conv2``).
Builders follow Keras applications: keyword defaults, no weights, no compilation.
Builders take ``dtype`` (a Keras dtype policy name such as ``"mixed_bfloat16"``;
None means the global policy) and pass it to every layer.
Inputs are float32 (batch, 28, 28, 1), white ink on black in [0, 1]; outputs are
(batch, 10) softmax probabilities. The output layer computes in float32 even under a
mixed-precision policy so probabilities sum to 1 exactly enough for a Label.
"""

from __future__ import annotations

import keras
from keras import layers

from cnndemo.registry import register_model

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def _conv(filters: int, kernel: int, name: str, **kwargs) -> layers.Conv2D:
    return layers.Conv2D(filters, kernel, activation="relu", name=name, **kwargs)


def _output(num_classes: int) -> layers.Dense:
    return layers.Dense(num_classes, activation="softmax", dtype="float32", name="predictions")


@register_model(
    display_name="SimpleCNN",
    input_size=28,
    expected_params=93_322,
    course_accuracy=0.9923,
    # One drawing through all layers took 0.56 ms in float32 and 1.00 ms in bfloat16 on
    # the project's 2-core CPU: too little work for bf16 to pay for its casts.
    inference_precision="float32",
    last_conv="conv3",
)
def simplecnn(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, dtype=None, name="SimpleCNN") -> keras.Model:
    """SimpleCNN: 28x28x1 -> 10, 93,322 parameters."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = _conv(32, 3, "conv1", dtype=dtype)(inputs)
    x = layers.MaxPooling2D(2, name="pool1", dtype=dtype)(x)
    x = _conv(64, 3, "conv2", dtype=dtype)(x)
    x = layers.MaxPooling2D(2, name="pool2", dtype=dtype)(x)
    x = _conv(64, 3, "conv3", dtype=dtype)(x)
    x = layers.Flatten(name="flatten", dtype=dtype)(x)
    x = layers.Dense(64, activation="relu", name="fc1", dtype=dtype)(x)
    outputs = _output(num_classes)(x)
    return keras.Model(inputs, outputs, name=name)


@register_model(
    display_name="AlexNet",
    input_size=227,
    expected_params=3_561_834,
    course_accuracy=0.9840,
    last_conv="conv5",
    resize="resize",
)
def alexnet(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, dtype=None, name="AlexNet") -> keras.Model:
    """Light AlexNet: 28x28x1 -> resize 227x227 -> 10, 3,561,834 parameters."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = layers.Resizing(227, 227, name="resize", dtype=dtype)(inputs)
    x = _conv(48, 11, "conv1", strides=4, padding="valid", dtype=dtype)(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1", dtype=dtype)(x)
    x = _conv(128, 5, "conv2", padding="same", dtype=dtype)(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2", dtype=dtype)(x)
    x = _conv(192, 3, "conv3", padding="same", dtype=dtype)(x)
    x = _conv(192, 3, "conv4", padding="same", dtype=dtype)(x)
    x = _conv(128, 3, "conv5", padding="same", dtype=dtype)(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5", dtype=dtype)(x)
    x = layers.Flatten(name="flatten", dtype=dtype)(x)
    x = layers.Dense(512, activation="relu", name="fc6", dtype=dtype)(x)
    x = layers.Dropout(0.5, name="drop6", dtype=dtype)(x)
    x = layers.Dense(512, activation="relu", name="fc7", dtype=dtype)(x)
    x = layers.Dropout(0.5, name="drop7", dtype=dtype)(x)
    outputs = _output(num_classes)(x)
    return keras.Model(inputs, outputs, name=name)


@register_model(
    display_name="VGG16",
    input_size=224,
    expected_params=3_747_946,
    course_accuracy=0.991,
    first_conv="block1_conv1",
    last_conv="block5_conv3",
    resize="resize",
)
def vgg16(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, dtype=None, name="VGG16") -> keras.Model:
    """Light VGG16: 28x28x1 -> resize 224x224 -> 10, 3,747,946 parameters."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = layers.Resizing(224, 224, name="resize", dtype=dtype)(inputs)
    for block, (filters, convs) in enumerate(
        [(32, 2), (64, 2), (128, 3), (256, 3), (256, 3)], start=1
    ):
        for i in range(1, convs + 1):
            x = _conv(filters, 3, f"block{block}_conv{i}", padding="same", dtype=dtype)(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool", dtype=dtype)(x)
    x = layers.GlobalAveragePooling2D(name="global_pool", dtype=dtype)(x)
    x = layers.Dense(256, activation="relu", name="fc1", dtype=dtype)(x)
    x = layers.Dropout(0.5, name="drop1", dtype=dtype)(x)
    outputs = _output(num_classes)(x)
    return keras.Model(inputs, outputs, name=name)
