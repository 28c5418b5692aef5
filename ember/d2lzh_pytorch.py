"""The older edition's helper package under its own name: ``from ember import d2lzh_pytorch
as d2l`` (in place of ``import d2lzh_pytorch as d2l``) gives the very module ``ember.d2l``."""
import sys

from . import d2l as _d2l

# Importing this module yields ember.d2l itself: one module object under both names, so
# anything set on one (say, a patched helper) is seen through the other.
sys.modules[__name__] = _d2l
