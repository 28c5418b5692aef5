"""``ember.jit``: PyTorch's TorchScript entry points, as they behave for code that only
wants them to run (the book's "hybridize" section, code written for deployment).

ember has no graph compiler: ``script`` and ``trace`` return the module or function that
runs exactly as before (Python, eager), and for a module one that also has ``save(path)``.
``save`` writes an ember checkpoint (``ember.save``'s format: no code runs on load) holding
the module tree, each module's class name, plain attributes, parameters and buffers;
``ember.jit.load`` rebuilds the module from it, provided its classes are those of
``ember.nn`` or are already defined in the loading program (a class is looked up by its
module and name among modules already imported, never imported or executed by ``load``).
"""
import inspect
import sys

from . import serialization
from .nn.modules.module import Module
from .nn.parameter import Parameter

_FORMAT = "ember-jit-1"


class ScriptModule:
    """Mixed into the class of what ``script``/``trace`` return for a module: the module
    itself, plus ``save``."""

    def save(self, f, _extra_files=None):
        """Write this module to ``f`` (a path or binary file); ``ember.jit.load`` reads it."""
        save(self, f)


_SCRIPTED = {}  # original class -> its ScriptModule subclass


def _as_script_module(m):
    """A module object of a subclass of ``type(m)`` that adds ``save``, sharing ``m``'s
    parameters, buffers and sub-modules (as PyTorch's scripted module shares them)."""
    if isinstance(m, ScriptModule):
        return m
    cls = type(m)
    sub = _SCRIPTED.get(cls)
    if sub is None:
        sub = _SCRIPTED[cls] = type(cls.__name__, (cls, ScriptModule),
                                    {"__module__": cls.__module__,
                                     "__qualname__": cls.__qualname__})
    new = object.__new__(sub)
    new.__dict__.update(m.__dict__)
    return new


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """On ember: returns ``obj`` to run as is (eager Python, nothing compiled); a module
    comes back as a module of the same class, sharing its parameters, with ``save``."""
    return _as_script_module(obj) if isinstance(obj, Module) else obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """On ember: runs ``func`` once on ``example_inputs`` (as PyTorch's tracer does, so
    errors show here) and returns it to run as is; a module comes back as by ``script``."""
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("example_kwarg_inputs or example_inputs should be provided "
                           "(trace runs the function once on them)")
    if example_kwarg_inputs is not None:
        func(**example_kwarg_inputs)
    else:
        func(*(example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)))
    return script(func)


def is_scripting():
    """False: ember code always runs as Python."""
    return False


def is_tracing():
    return False


# ----- saving and loading a module tree ----------------------------------------------------
_MODULE_INTERNALS = frozenset(Module().__dict__) - {"training"}


def _class_name(cls):
    if ScriptModule in cls.__bases__:  # made by script(): name the user's class
        cls = cls.__bases__[0]
    return f"{cls.__module__}:{cls.__qualname__}"


def _record(name, m):
    attrs = {}
    for key, value in m.__dict__.items():
        if key in _MODULE_INTERNALS:
            continue
        try:
            serialization._Encoder().encode(value)
        except TypeError:
            raise TypeError(
                f"ember.jit.save cannot store attribute {key!r} of {type(m).__name__} (a "
                f"{type(value).__name__}): saved modules hold tensors, numbers, strings, "
                "None and lists/tuples/dicts of them") from None
        attrs[key] = value
    return {"name": name, "class": _class_name(type(m)), "attrs": attrs,
            "parameters": dict(m._parameters), "buffers": dict(m._buffers),
            "non_persistent": sorted(m._non_persistent_buffers_set),
            "children": list(m._modules)}


def save(m, f, _extra_files=None):
    """Write module ``m`` (its tree, classes, attributes, parameters and buffers) to ``f``."""
    if not isinstance(m, Module):
        raise TypeError("ember.jit.save saves modules (ember has no compiled functions)")
    serialization.save({"format": _FORMAT,
                        "modules": [_record(n, sub) for n, sub in m.named_modules()]}, f)


def _find_class(qualified):
    module_name, _, qualname = qualified.partition(":")
    obj = sys.modules.get(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    if not (inspect.isclass(obj) and issubclass(obj, Module)):
        raise RuntimeError(
            f"ember.jit.load: class {qualname} (module {module_name}) is not defined in this "
            "program; import or define it before loading (load runs no code of its own)")
    return obj


def load(f, map_location=None, _extra_files=None):
    """Rebuild the module ``ember.jit.save`` (or ``ScriptModule.save``) wrote to ``f``."""
    data = serialization.load(f)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise RuntimeError("ember.jit.load: not a module saved by ember.jit.save")
    built = {}
    for rec in data["modules"]:
        m = object.__new__(_find_class(rec["class"]))
        Module.__init__(m)
        m.__dict__.update(rec["attrs"])
        for key, value in rec["parameters"].items():
            m._parameters[key] = None if value is None else \
                Parameter(value, requires_grad=value.requires_grad)
        m._buffers.update(rec["buffers"])
        m._non_persistent_buffers_set.update(rec["non_persistent"])
        built[rec["name"]] = m
        if rec["name"]:
            parent, _, child = rec["name"].rpartition(".")
            built[parent]._modules[child] = m
    return _as_script_module(built[""])


__all__ = ["script", "trace", "save", "load", "ScriptModule", "is_scripting", "is_tracing"]
