"""gradwork: backpropagation worked out, explained and checked.

The public API is re-exported here; everything else is internal.
"""

from gradwork.tensor import Tensor, no_grad, zero_grad

__version__ = "0.1.0"

__all__ = ["Tensor", "__version__", "no_grad", "zero_grad"]
