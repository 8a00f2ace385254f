r"""``gradcheck``: compare autograd's gradients with central differences.

For each differentiable float64 input :math:`x_j` and each output element
:math:`y_i`, the numerical Jacobian entry is
:math:`(y_i(x + \epsilon e_k) - y_i(x - \epsilon e_k)) / 2\epsilon`, and the
analytical one is row :math:`i` of ``autograd.grad`` with a one-hot
``grad_outputs``. They must agree within ``atol + rtol * |numerical|``.

>>> import tensorlite as tl
>>> x = tl.tensor([0.5, -1.0], dtype=tl.float64, requires_grad=True)
>>> tl.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
True
"""

from __future__ import annotations

import numpy as np

from . import grad_mode
from .function import grad as _grad


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when the two Jacobians disagree."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, tuple) else (out,)


def _numerical(fn, inputs, tensor, eps):
    """d outputs / d tensor by central differences, one column per element of ``tensor``."""
    columns = []
    flat = tensor.detach().reshape(-1)
    for k in range(tensor.numel()):
        original = flat[k].item()
        values = []
        for step in (eps, -eps):
            with grad_mode.no_grad():
                flat[k] = original + step
                values.append([o.detach().to("cpu").numpy().astype(np.float64).ravel().copy()
                               for o in _outputs(fn, inputs)])
        with grad_mode.no_grad():
            flat[k] = original
        columns.append([(p - m) / (2 * eps) for p, m in zip(*values)])
    return columns


def _analytical(out, checked, zeros):
    """d out / d each checked tensor, one row per element of ``out`` (one backward each)."""
    jacobians = [np.zeros((out.numel(), t.numel())) for t in checked]
    for row in range(out.numel()):
        seed = zeros(out.numel(), dtype=out.dtype, device=out.device)
        seed[row] = 1
        grads = _grad(out, checked, seed.reshape(out.shape), retain_graph=True,
                      allow_unused=True)
        for j, g in enumerate(grads):
            if g is not None:
                jacobians[j][row] = g.detach().to("cpu").numpy().astype(np.float64).ravel()
    return jacobians


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, **kwargs):
    """Whether ``func``'s autograd gradients match finite differences at ``inputs``
    (float64 inputs that require grad are the ones checked)."""
    from .._creation import zeros
    from .._tensor import Tensor

    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in checked:
        if t.dtype.name != "float64":
            import warnings

            warnings.warn(f"Input #{inputs.index(t)} requires gradient and is not a double "
                          f"precision floating point. This check will likely fail if all the "
                          f"inputs are not of double precision floating point.", UserWarning)
    outputs = _outputs(func, inputs)
    # Every analytical Jacobian is taken before any input is perturbed: the finite
    # differences write into the inputs, which would invalidate the saved tensors of the
    # graph still needed for the other outputs.
    analytical = {i: _analytical(out, checked, zeros)
                  for i, out in enumerate(outputs) if out.requires_grad}
    numerical = [_numerical(func, inputs, t, eps) for t in checked]
    for i, jacobians in analytical.items():
        for j, t in enumerate(checked):
            expected = (np.stack([col[i] for col in numerical[j]], axis=1) if t.numel()
                        else np.zeros((outputs[i].numel(), 0)))
            if not np.allclose(jacobians[j], expected, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(
                        f"Jacobian mismatch for output {i} with respect to input "
                        f"{inputs.index(t)},\nnumerical:{expected}\nanalytical:"
                        f"{jacobians[j]}\n")
                return False
    return True
