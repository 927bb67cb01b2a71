"""cnnbp: backpropagation through convolutional networks, derived by hand and checked.

Arrays are NCHW; convolution weights are ``(C_out, C_in, kh, kw)``; convolution layers compute
cross-correlation, as PyTorch does. Every ``*_backward`` function takes the upstream gradient
``dy`` and what the forward pass saw, and returns the gradient of every input.

The other views of a convolution (:mod:`cnnbp.views`) are re-exported too. Submodules not
re-exported here: :mod:`cnnbp.loops` (the equation-shaped loop versions),
:mod:`cnnbp.nn` (layers, a sequential container, SGD), :mod:`cnnbp.seed` (the numbers of the
question that started the project) and :mod:`cnnbp.viz` (figures for the documentation).
"""

from .activations import relu, relu_backward, sigmoid, sigmoid_backward
from .conv import conv2d, conv2d_backward, conv2d_output_shape
from .dense import linear, linear_backward
from .gradcheck import (
    check_gradient,
    check_gradient_projection,
    numerical_gradient,
    relative_error,
)
from .losses import (
    mse_loss,
    mse_loss_backward,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
)
from .pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .views import col2im, conv2d_matrix, conv2d_terms, conv_transpose2d, delta_full_conv, im2col

__version__ = "0.1.0"

__all__ = [
    "avg_pool2d",
    "avg_pool2d_backward",
    "check_gradient",
    "check_gradient_projection",
    "col2im",
    "conv2d",
    "conv2d_backward",
    "conv2d_matrix",
    "conv2d_output_shape",
    "conv2d_terms",
    "conv_transpose2d",
    "delta_full_conv",
    "im2col",
    "linear",
    "linear_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "mse_loss",
    "mse_loss_backward",
    "numerical_gradient",
    "relative_error",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
]
