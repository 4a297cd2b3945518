"""Helpers shared by the rooms system tests: pchatctl that must succeed, and a room
made with Lync's cmdlets."""

from __future__ import annotations

from pchat_harness import pchatctl


def ctl(server, *args):
    """Runs pchatctl against `server`'s store; fails the test on a non-zero exit."""
    r = pchatctl(server.data_dir, *args)
    assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r.stdout


def room(server, name, privacy="Open", type_="Normal", category="Legal", **lists):
    """New-CsPersistentChatRoom, then Set-CsPersistentChatRoom -Members/-Managers/
    -Presenters as given (e.g. managers="alice"). Returns `name`."""
    ctl(server, f"New-CsPersistentChatRoom -Name {name[1:]} -Category {category} "
                f"-Privacy {privacy} -Type {type_}")
    if lists:
        ctl(server, f"Set-CsPersistentChatRoom -Identity {name[1:]} " +
            " ".join(f'-{k.capitalize()} "{v}"' for k, v in lists.items()))
    return name
