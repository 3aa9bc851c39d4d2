"""What people read: the HTML report, charts, generated docs, describe and the listings.

``cogind.report`` is also the public function :func:`cogind.report` (an alias of
:func:`cogind.report.html.build_report`). Importing this subpackage sets the attribute ``report``
of the ``cogind`` package to the subpackage itself, which would hide the function; so the
subpackage answers a call exactly as the function does, whatever was imported first.
"""
import sys
import types


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from cogind.report.html import build_report
        return build_report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
