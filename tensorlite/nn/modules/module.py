"""``Module``: the base class of layers, with PyTorch's registration, traversal,
device/dtype moves, state dicts and repr.

Assigning a ``Parameter``, a ``Module`` or (through ``register_buffer``) a
tensor as an attribute registers it; traversal visits modules in registration
order, depth first, exactly as PyTorch does, so ``named_parameters()`` and
``state_dict()`` keys match PyTorch's for the same model.

>>> import tensorlite as tl
>>> class Affine(tl.nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.scale = tl.nn.Parameter(tl.ones(3))
...         self.register_buffer("shift", tl.zeros(3))
...     def forward(self, x):
...         return x * self.scale + self.shift
>>> m = Affine()
>>> list(m.state_dict())
['scale', 'shift']
>>> m(tl.ones(3))
tensor([1., 1., 1.], grad_fn=<AddBackward0>)
"""

from __future__ import annotations

import collections
import itertools
from collections import OrderedDict
from collections.abc import Mapping

from ...autograd import grad_mode as _autograd
from ... import _backends, _device, _dtype
from ..._tensor import Tensor
from ..parameter import Parameter, is_lazy
from . import _hooks

__all__ = ["Module"]

_HOOK_REGISTRIES = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
                    "_forward_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks")


def _typename(obj):
    """PyTorch's ``torch.typename``: ``tensorlite.FloatTensor``, ``int``, ``pkg.Class``."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = obj if isinstance(obj, type) else type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


def _addindent(text, spaces):
    """Indent every line after the first (blank lines stay empty), as PyTorch does."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    return first + "\n" + "\n".join((" " * spaces + line) if line.strip() else ""
                                    for line in lines)


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys",
                                               ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _check_name(kind, name):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module"
                                                             else ""))
    return name


def _parse_to(args, kwargs):
    """``Module.to``'s overloads: ``to(device, dtype)``, ``to(dtype)``, ``to(tensor)``."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(args) > 3:
        raise TypeError(f"to() takes at most 3 positional arguments, got {len(args)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, bool):  # non_blocking given positionally
            continue
        else:
            device = a
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype, "to")
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, "
                            f"but got desired dtype={dtype}")
    if device is not None:
        device = _device.to_device(device, "to")
        device = _backends.get(device).check(device)  # fail before moving anything
    return device, dtype


class Module:
    """Base class for all neural network modules.

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and
    submodules as attributes, and define ``forward``. Calling the module calls
    ``forward``.

    Example:
        >>> import tensorlite as tl
        >>> model = tl.nn.Sequential(tl.nn.Linear(4, 8), tl.nn.ReLU())
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias']
    """

    training: bool
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments: "
                            f"{args!r} {kwargs!r}")
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", OrderedDict())
        for registry in _HOOK_REGISTRIES:
            set_(self, registry, OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if not (d.get("_forward_pre_hooks") or d.get("_forward_hooks")
                or d.get("_backward_hooks") or d.get("_backward_pre_hooks")):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward = _hooks.BackwardHooks(self) if (self._backward_hooks or
                                                   self._backward_pre_hooks) else None
        if backward is not None:
            args = backward.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        if backward is not None:
            output = backward.wrap_outputs(output)
        return output

    # ---- hooks ---------------------------------------------------------------------------
    def _add_hook(self, registry, hook, prepend, kwargs_registry=None, with_kwargs=False):
        hooks = getattr(self, registry)
        handle = _hooks.RemovableHandle(hooks, getattr(self, kwargs_registry)
                                        if kwargs_registry else None)
        hooks[handle.id] = hook
        if with_kwargs:
            getattr(self, kwargs_registry)[handle.id] = True
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``hook(module, args, kwargs)`` with
        ``with_kwargs``) runs before ``forward``; a non-None result replaces the
        arguments. Returns a handle whose ``remove()`` unregisters it."""
        return self._add_hook("_forward_pre_hooks", hook, prepend,
                              "_forward_pre_hooks_with_kwargs", with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``)
        runs after ``forward``; a non-None result replaces the output — the usual way
        to record activation statistics per layer.

        >>> import tensorlite as tl
        >>> seen = []
        >>> layer = tl.nn.Linear(2, 3)
        >>> handle = layer.register_forward_hook(lambda m, args, out: seen.append(out.shape))
        >>> _ = layer(tl.ones(4, 2)); handle.remove(); _ = layer(tl.ones(1, 2))
        >>> seen
        [tensorlite.Size([4, 3])]
        """
        return self._add_hook("_forward_hooks", hook, prepend, "_forward_hooks_with_kwargs",
                              with_kwargs)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect
        to the module's tensor inputs are computed (``grad_input`` has ``None`` for inputs
        that do not require grad); a non-None result (a tuple) replaces ``grad_input``.
        Built on the autograd graph's node hooks (``Node.register_prehook``)."""
        return self._add_hook("_backward_hooks", hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` runs when the gradients with respect to the
        module's outputs are known; a non-None result replaces them."""
        return self._add_hook("_backward_pre_hooks", hook, prepend)

    def get_parameter(self, target):
        """The parameter at dotted path ``target`` (e.g. ``"net.0.weight"``)."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """The buffer at dotted path ``target`` (e.g. ``"bn.running_mean"``)."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return getattr(mod, name)

    # ---- registration ------------------------------------------------------------------
    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is module state but not a parameter (e.g. running
        statistics). ``persistent=False`` keeps it out of ``state_dict()``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            f"(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Add a parameter (a ``Parameter`` or ``None``) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            f"(torch.nn.Parameter or None required)")
        self._parameters[name] = param

    def add_module(self, name, module):
        """Add a child module (or ``None``) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        def remove_from(*dicts_or_sets):
            for d in dicts_or_sets:
                if name in d:
                    if isinstance(d, dict):
                        del d[name]
                    else:
                        d.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules,
                        self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                f"(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(self.__dict__, self._parameters, self._buffers,
                            self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{_typename(value)}' as child module "
                                    f"'{name}' (torch.nn.Module or None expected)")
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{_typename(value)}' as buffer "
                                        f"'{name}' (torch.Tensor or None expected)")
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = itertools.chain(dir(type(self)), self.__dict__, self._parameters,
                               self._modules, self._buffers)
        return sorted(k for k in set(keys) if not k[:1].isdigit())

    # ---- traversal -----------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(name, module)`` for this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        memo = set()
        for name, module in self._modules.items():
            if module is not None and module not in memo:
                memo.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, get_members, prefix, recurse, remove_duplicate=True):
        memo = set()  # ids: a Tensor's == is elementwise, so never compare tensors
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(dotted name, Parameter)`` pairs; a parameter shared by two modules appears once."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first, recursively) and then on
        this module; returns ``self``. The usual way to initialize a model:

        >>> import tensorlite as tl
        >>> def init_weights(m):
        ...     if isinstance(m, tl.nn.Linear):
        ...         tl.nn.init.zeros_(m.bias)
        >>> model = tl.nn.Sequential(tl.nn.Linear(2, 2))
        >>> model.apply(init_weights) is model
        True
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- moving and casting --------------------------------------------------------------
    def _apply(self, fn):
        """Replace every parameter's and buffer's data by ``fn(tensor)``.

        Parameters keep their identity (optimizers and user references stay
        valid): only their array, device and dtype change, like PyTorch's
        ``param.data = fn(param)``.
        """
        for module in self.children():
            module._apply(fn)
        with _autograd.no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                new = fn(param)
                if is_lazy(new):  # a lazy module's placeholder: only its target changes
                    param._device, param._dtype = new._device, new._dtype
                elif new is not param:
                    param._data, param._device, param._dtype = new._data, new._device, new._dtype
            for key, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``,
        ``to(device, dtype)`` or ``to(tensor)``. Only floating-point (and complex)
        tensors change dtype; integer buffers keep theirs. Modifies the module in
        place and returns it.

        >>> import tensorlite as tl
        >>> layer = tl.nn.Linear(2, 2).to("meta", tl.float16)
        >>> layer.weight.device, layer.weight.dtype
        (device(type='meta'), tensorlite.float16)
        """
        device, dtype = _parse_to(args, dict(kwargs))

        def convert(t):
            cast = dtype if (t.dtype.is_floating_point or t.dtype.is_complex) else None
            return t.to(device=device, dtype=cast)

        return self._apply(convert)

    def to_empty(self, *, device, recurse=True):
        """Move parameters and buffers to ``device`` without copying their values
        (e.g. to materialize a model built on ``meta``); values are uninitialized."""
        from ..._creation import empty_like

        return self._apply(lambda t: empty_like(t, device=device))

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else
                       (_device.device("cuda", device) if isinstance(device, int) else device))

    def _cast_floats(self, dtype):
        return self._apply(lambda t: t.to(dtype=dtype) if t.dtype.is_floating_point else t)

    def float(self):
        return self._cast_floats(_dtype.float32)

    def double(self):
        return self._cast_floats(_dtype.float64)

    def half(self):
        return self._cast_floats(_dtype.float16)

    def bfloat16(self):
        return self._cast_floats(_dtype.bfloat16)

    # ---- state ---------------------------------------------------------------------------
    def _local_state(self, keep_vars=False):
        state = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                state[name] = param if keep_vars or is_lazy(param) else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                state[name] = buf if keep_vars or is_lazy(buf) else buf.detach()
        return state

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` of every parameter and persistent buffer by dotted name.

        Values share memory with the module's tensors (detached unless
        ``keep_vars=True``).
        """
        if destination is None:
            destination = OrderedDict()
        for name, value in self._local_state(keep_vars).items():
            destination[prefix + name] = value
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` into this module.

        With ``strict=True`` (default) the keys must match ``self.state_dict()``
        exactly. Shapes must always match. Errors are collected and raised
        together in PyTorch's format; returns ``(missing_keys, unexpected_keys)``.
        Values are copied in place (across devices if needed), so parameters keep
        their identity, device and dtype; ``assign=True`` instead takes the given
        tensors' data, device and dtype (e.g. to materialize a ``meta`` model).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        # every path to a module, as PyTorch's recursive load walks them: a module
        # registered twice loads under each of its prefixes (the last one wins)
        for prefix, module in self.named_modules(remove_duplicate=False):
            prefix = prefix + "." if prefix else ""
            local = module._local_state(keep_vars=True)
            for name, param in local.items():
                key = prefix + name
                if key not in state_dict:
                    missing.append(key)
                    continue
                value = state_dict[key]
                if not isinstance(value, Tensor):
                    errors.append(f'While copying the parameter named "{key}", expected '
                                  f'torch.Tensor or Tensor-like object from checkpoint but '
                                  f'received {type(value)}')
                    continue
                if is_lazy(param):  # a lazy module takes the checkpoint's shapes
                    if is_lazy(value):
                        continue
                    with _autograd.no_grad():
                        param.materialize(value.shape)
                if value.shape != param.shape:
                    errors.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{value.shape} from checkpoint, the shape in current model "
                                  f"is {param.shape}.")
                    continue
                try:
                    with _autograd.no_grad():
                        if assign:
                            module._assign_state(name, param, value)
                        else:
                            param.copy_(value)
                except Exception as ex:  # reported with the others, as PyTorch does
                    errors.append(f'While copying the parameter named "{key}", whose dimensions '
                                  f'in the model are {param.shape} and whose dimensions in the '
                                  f'checkpoint are {value.shape}, an exception occurred : '
                                  f'{ex.args}.')
            for key in state_dict:
                if key.startswith(prefix):
                    # PyTorch's rule: a dotted rest must start with a child module's name,
                    # an undotted one must be this module's own state ("weight.junk" is
                    # unexpected although "weight" exists)
                    head, *rest = key[len(prefix):].split(".", 1)
                    if head not in (module._modules if rest else local):
                        unexpected.append(key)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    def _assign_state(self, name, current, value):
        if isinstance(current, Parameter):
            current._data, current._device, current._dtype = value._data, value._device, \
                value._dtype
        else:
            self._buffers[name] = value

    # ---- modes -----------------------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode on this module and every descendant; returns ``self``."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``); returns ``self``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter: to ``None`` (the default), or to zeros
        in place with ``set_to_none=False``."""
        for param in self.parameters():
            if param._grad is None:
                continue
            if set_to_none:
                param._grad = None
            else:
                if param._grad._grad_fn is not None:
                    param._grad = param._grad.detach()
                param._grad.requires_grad = False
                with _autograd.no_grad():
                    param._grad.zero_()

    # ---- repr ------------------------------------------------------------------------------
    def extra_repr(self):
        """The module-specific part of the repr (override in subclasses)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra_lines = []
        extra = self.extra_repr()
        if extra:  # an empty string would split into ['']
            extra_lines = extra.split("\n")
        child_lines = [f"({key}): " + _addindent(repr(module), 2)
                       for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:  # the one-line form
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

