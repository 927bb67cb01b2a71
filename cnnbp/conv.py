"""PLACEHOLDER: being written; replace this whole file."""


def col2im(*args, **kwargs):
    raise NotImplementedError


def conv2d(*args, **kwargs):
    raise NotImplementedError


def conv2d_backward(*args, **kwargs):
    raise NotImplementedError


def conv2d_matrix(*args, **kwargs):
    raise NotImplementedError


def conv2d_output_shape(*args, **kwargs):
    raise NotImplementedError


def conv_transpose2d(*args, **kwargs):
    raise NotImplementedError


def delta_full_conv(*args, **kwargs):
    raise NotImplementedError


def im2col(*args, **kwargs):
    raise NotImplementedError
