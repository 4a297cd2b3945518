"""Ban lists on channels: +b (nick!user@host masks and account extbans), +e, +I, with
MAXLIST/EXCEPTS/INVEX/EXTBAN in ISUPPORT; who may not (a member who is not an op)."""

from __future__ import annotations

from irc_client import IrcClient
from irc_helpers import join, registered, sync


def test_ban_blocks_join_and_speech_exception_lets_in(irc, unique):
    op = registered(irc, unique, "bo")
    bob = registered(irc, unique, "bb")
    member = registered(irc, unique, "bm")
    chan = "#" + unique("ban")
    join(op, chan)
    join(member, chan)
    isupport = op.isupport
    assert isupport["CHANMODES"].startswith("beI,"), isupport
    assert isupport["EXCEPTS"] == "e" and isupport["INVEX"] == "I"
    assert isupport["MAXLIST"] == "beI:100"

    # A member who is not an op may list, not change.
    member.send(f"MODE {chan} +b {bob.nick}")
    member.expect("482")
    op.send(f"MODE {chan} +b {bob.nick}")
    change = op.expect("MODE", pred=lambda m: m.params[0] == chan)
    assert change.params[1:] == ["+b", f"{bob.nick}!*@*"], change
    member.send(f"MODE {chan} b")
    lines = member.collect_until("368")
    ban = [m for m in lines if m.command == "367"]
    assert ban and ban[0].params[2] == f"{bob.nick}!*@*" and ban[0].params[3].startswith(op.nick)

    bob.send(f"JOIN {chan}")
    bob.expect("474")
    op.send(f"MODE {chan} +e {bob.nick[:-1]}*!*@*")
    op.expect("MODE", pred=lambda m: m.params[1] == "+e")
    join(bob, chan)

    # A banned member (no exception any more) cannot speak; a voiced one can.
    op.send(f"MODE {chan} -e {bob.nick[:-1]}*!*@*")
    op.expect("MODE", pred=lambda m: m.params[1] == "-e")
    bob.send(f"PRIVMSG {chan} :hello?")
    bob.expect("404")
    assert not [m for m in sync(member) if m.command == "PRIVMSG"]
    op.send(f"MODE {chan} -b {bob.nick}")
    op.expect("MODE", pred=lambda m: m.params[1] == "-b")
    bob.send(f"PRIVMSG {chan} :now")
    member.expect("PRIVMSG", pred=lambda m: m.params[-1] == "now")


def test_account_extban_and_invite_exception(irc, unique, account, shared_server):
    op = registered(irc, unique, "xo")
    name, password = account()
    chan = "#" + unique("xb")
    join(op, chan)
    op.send(f"MODE {chan} +b account:{name}")
    op.expect("MODE", pred=lambda m: m.params[1] == "+b")
    with IrcClient("acct").connect(shared_server.irc_port) as signed:
        signed.register(unique("xa"), sasl=(name, password))
        signed.send(f"JOIN {chan}")
        signed.expect("474")
        # A guest with the same nick pattern is not that account.
        guest = registered(irc, unique, "xg")
        join(guest, chan)
        # +i with an invite exception for the account.
        op.send(f"MODE {chan} -b+iI account:{name} a:{name}")
        op.expect("MODE", pred=lambda m: m.params[0] == chan)
        join(signed, chan)
        other = registered(irc, unique, "xn")
        other.send(f"JOIN {chan}")
        other.expect("473")
