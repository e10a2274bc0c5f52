"""The bundled MNIST: the published facts of the data set, and clear errors for broken files."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from cnndemo.data import MnistDataError, load_mnist

pytestmark = pytest.mark.unit

# Published facts of MNIST (data/mnist/README.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]

FILE_NAMES = [
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
]


def test_shapes_and_dtypes(mnist):
    assert mnist.x_train.shape == (60_000, 28, 28)
    assert mnist.y_train.shape == (60_000,)
    assert mnist.x_test.shape == (10_000, 28, 28)
    assert mnist.y_test.shape == (10_000,)
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        assert array.dtype == np.uint8
    # White ink on black: the border is (almost always) background, ink reaches 255.
    assert mnist.x_train.max() == 255 and mnist.x_test.max() == 255
    assert np.median(mnist.x_train[:, 0, :]) == 0 and mnist.x_test[:, :, 0].mean() < 1


def test_label_counts_and_first_labels(mnist):
    assert np.bincount(mnist.y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.y_test, minlength=10).tolist() == TEST_COUNTS
    assert mnist.y_train[:10].tolist() == FIRST_TRAIN_LABELS
    assert mnist.y_test[:10].tolist() == FIRST_TEST_LABELS


def test_checksums_are_those_of_the_files(mnist, tmp_mnist_dir):
    assert set(mnist.sha256) == set(FILE_NAMES)
    for name, digest in mnist.sha256.items():
        assert hashlib.sha256((tmp_mnist_dir / name).read_bytes()).hexdigest() == digest


def test_a_copy_of_the_files_loads_the_same_data(mnist, tmp_mnist_dir):
    copy = load_mnist(tmp_mnist_dir)
    assert np.array_equal(copy.x_test, mnist.x_test)
    assert np.array_equal(copy.y_train, mnist.y_train)


@pytest.mark.parametrize("name", FILE_NAMES)
def test_missing_file_is_named(tmp_mnist_dir, name):
    (tmp_mnist_dir / name).unlink()
    with pytest.raises(MnistDataError, match=name) as error:
        load_mnist(tmp_mnist_dir)
    assert error.value.code == "data.file_missing"


@pytest.mark.parametrize("name", FILE_NAMES)
def test_corrupted_file_is_named(tmp_mnist_dir, name):
    path = tmp_mnist_dir / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(MnistDataError, match=name) as error:
        load_mnist(tmp_mnist_dir)
    assert error.value.code == "data.file_corrupt"


def test_missing_checksum_list_is_named(tmp_mnist_dir):
    (tmp_mnist_dir / "SHA256SUMS").unlink()
    with pytest.raises(MnistDataError, match="SHA256SUMS"):
        load_mnist(tmp_mnist_dir)


def test_checksum_list_without_an_entry_names_the_file(tmp_mnist_dir):
    sums = tmp_mnist_dir / "SHA256SUMS"
    lines = [line for line in sums.read_text().splitlines() if "t10k-labels" not in line]
    sums.write_text("\n".join(lines) + "\n")
    with pytest.raises(MnistDataError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(tmp_mnist_dir)


def test_swapped_file_with_matching_checksum_is_caught_by_its_header(tmp_mnist_dir):
    # Put the test labels where the test images belong and "fix" SHA256SUMS to match:
    # the IDX header (magic 2049, not 2051) must still give it away.
    images = tmp_mnist_dir / "t10k-images-idx3-ubyte.gz"
    images.write_bytes((tmp_mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    digest = hashlib.sha256(images.read_bytes()).hexdigest()
    sums = tmp_mnist_dir / "SHA256SUMS"
    lines = [
        f"{digest}  {images.name}" if line.endswith(images.name) else line
        for line in sums.read_text().splitlines()
    ]
    sums.write_text("\n".join(lines) + "\n")
    with pytest.raises(MnistDataError, match=images.name):
        load_mnist(tmp_mnist_dir)


def test_truncated_file_with_matching_checksum_is_named(tmp_mnist_dir):
    path = tmp_mnist_dir / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-100]))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sums = tmp_mnist_dir / "SHA256SUMS"
    lines = [f"{digest}  {path.name}" if line.endswith(path.name) else line for line in sums.read_text().splitlines()]
    sums.write_text("\n".join(lines) + "\n")
    with pytest.raises(MnistDataError, match=path.name):
        load_mnist(tmp_mnist_dir)
