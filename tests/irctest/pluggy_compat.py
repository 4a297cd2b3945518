"""pytest plugin for tests/irctest/run: lets irctest's conftest.py, which uses
new-style hook wrappers (`@pytest.hookimpl(wrapper=True)`, pluggy >= 1.2), load
under Debian 12's pytest 7.2 / pluggy 1.0 by turning them into old-style
`hookwrapper=True` ones. Loaded with `-p pluggy_compat` before any conftest.
"""

import functools
import inspect

import pluggy

_original_call = pluggy.HookimplMarker.__call__


def _old_style(fn):
    """An old-style hookwrapper running the new-style generator `fn`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen = fn(*args, **kwargs)
        next(gen)
        outcome = yield
        try:
            result = outcome.get_result()
        except BaseException as exc:  # the wrapped hook raised: hand it to `fn`
            try:
                gen.throw(exc)
            except StopIteration as stop:
                outcome.force_result(stop.value)
            except BaseException as again:
                outcome._excinfo = (type(again), again, again.__traceback__)
            return
        try:
            gen.send(result)
        except StopIteration as stop:
            outcome.force_result(stop.value)

    wrapper.__signature__ = inspect.signature(fn)
    return wrapper


def _call(self, function=None, hookwrapper=False, optionalhook=False, tryfirst=False,
          trylast=False, specname=None, wrapper=False):
    if wrapper:
        inner = functools.partial(_original_call, self, hookwrapper=True,
                                  optionalhook=optionalhook, tryfirst=tryfirst,
                                  trylast=trylast, specname=specname)
        if function is None:
            return lambda f: inner(_old_style(f))
        return inner(_old_style(function))
    return _original_call(self, function, hookwrapper=hookwrapper, optionalhook=optionalhook,
                          tryfirst=tryfirst, trylast=trylast, specname=specname)


if not hasattr(pluggy.HookimplMarker.__call__, "__wrapped_compat__"):
    _call.__wrapped_compat__ = True
    pluggy.HookimplMarker.__call__ = _call
