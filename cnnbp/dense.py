"""PLACEHOLDER: being written; replace this whole file."""


def linear(*args, **kwargs):
    raise NotImplementedError


def linear_backward(*args, **kwargs):
    raise NotImplementedError
