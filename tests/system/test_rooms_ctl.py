"""Rooms through real pchatctl: Lync's category, room, add-in and
configuration cmdlets typed as its documentation writes them, the native commands,
and bad parameters that give a clear error and change nothing."""

from __future__ import annotations

import json

import pytest

from pchat_harness import pchatctl

POOL = "atl-cs-001.litwareinc.com"


@pytest.fixture
def store(server_factory):
    return server_factory()


def ok(server, *args):
    r = pchatctl(server.data_dir, *args)
    assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r.stdout


def fails(server, *args):
    r = pchatctl(server.data_dir, *args)
    assert r.returncode != 0, f"{args} should fail: {r.stdout}"
    assert r.stderr.startswith("pchatctl: error: "), r.stderr
    return r.stderr


def snapshot(server):
    """Every room object, as JSON, to show that a refused command changed nothing."""
    return (json.loads(ok(server, "category", "list", "--json")),
            json.loads(ok(server, "room", "list", "--json")),
            json.loads(ok(server, "addin", "list", "--json")),
            json.loads(ok(server, "config", "show", "--json")))


def test_default_category_and_configuration(store):
    cats = json.loads(ok(store, "Get-CsPersistentChatCategory", "--json"))
    assert [c["name"] for c in cats] == ["default"]
    assert cats[0]["allowed_members"] == ["*"] and cats[0]["creators"] == ["*"]
    config = json.loads(ok(store, "Get-CsPersistentChatConfiguration -Identity global", "--json"))
    assert config == {"default_chat_history": 30, "participant_update_limit": 75,
                      "max_file_size_kb": 20000}


def test_category_cmdlets_as_written(store):
    ok(store, f'New-CsPersistentChatCategory -Name "Legal" -PersistentChatPoolFqdn "{POOL}" '
              '-AllowedMembers "sip:alice@litwareinc.com","bob" -Creators "sip:alice@litwareinc.com" '
              '-Description "Legal department"')
    got = json.loads(ok(store, f'Get-CsPersistentChatCategory -Identity "{POOL}\\Legal"',
                        "--json"))[0]
    assert got["allowed_members"] == ["alice", "bob"]
    assert got["creators"] == ["alice"] and got["description"] == "Legal department"
    ok(store, f'Set-CsPersistentChatCategory -Identity "{POOL}\\Legal" '
              '-AllowedMembers @{Add="carol","OU=Legal,DC=litwareinc,DC=com"; Remove="bob"} '
              '-DeniedMembers "sip:mallory@litwareinc.com" -EnableFileUpload $true '
              '-EnableInvitations $false')
    got = json.loads(ok(store, "Get-CsPersistentChatCategory Legal", "--json"))[0]
    assert got["allowed_members"] == ["alice", "carol", "OU=Legal,DC=litwareinc,DC=com"]
    assert got["denied_members"] == ["mallory"]
    assert got["file_upload"] is True and got["invitations"] is False
    # case-insensitive cmdlet and parameter names, prefixes, en dash
    ok(store, f'set-cspersistentchatcategory -identity "{POOL}\\legal" –Creat @{{Add="carol"}}')
    got = json.loads(ok(store, "Get-CsPersistentChatCategory Legal", "--json"))[0]
    assert got["creators"] == ["alice", "carol"]
    # A category with rooms cannot be removed; the error names it and counts.
    ok(store, f'New-CsPersistentChatRoom -Name "LegalTalk" -Category "{POOL}\\Legal"')
    err = fails(store, f'Remove-CsPersistentChatCategory -Identity "{POOL}\\Legal"')
    assert "category 'Legal' still has 1 room" in err
    ok(store, f'Remove-CsPersistentChatRoom -Identity "{POOL}\\LegalTalk"')
    ok(store, f'Remove-CsPersistentChatCategory -Identity "{POOL}\\Legal"')
    assert "no category 'Legal'" in fails(store, "Get-CsPersistentChatCategory Legal")


def test_room_cmdlets_as_written(store):
    ok(store, 'New-CsPersistentChatCategory -Name IT -AllowedMembers "*" -Creators "alice"')
    ok(store, f'New-CsPersistentChatAddin -Name "ITPersistentChatAddin" '
              f'-PersistentChatPoolFqdn "{POOL}" -Url "https://itserver.litwareinc.com/itchat"')
    ok(store, f'New-CsPersistentChatRoom -Name "ITNews" -PersistentChatPoolFqdn "{POOL}" '
              f'-Category "{POOL}\\IT" -Privacy Secret -Type Auditorium '
              '-Description "IT announcements"')
    room = json.loads(ok(store, f'Get-CsPersistentChatRoom -Identity "{POOL}\\ITNews"',
                         "--json"))[0]
    assert room["name"] == "#ITNews" and room["category"] == "IT"
    assert (room["privacy"], room["type"], room["disabled"], room["invitations"]) == (
        "Secret", "Auditorium", False, "Inherit")
    ok(store, f'Set-CsPersistentChatRoom -Identity "{POOL}\\ITNews" '
              '-Members @{Add="sip:kenmyer@litwareinc.com","carol"} '
              '-Managers @{Add="sip:alice@litwareinc.com"} -Presenters "bob" '
              '-Privacy Closed -Type Normal -Disabled $True -Addin "ITPersistentChatAddin" '
              '-Invitations False')
    room = json.loads(ok(store, "Get-CsPersistentChatRoom ITNews", "--json"))[0]
    assert room["members"] == ["carol", "kenmyer"]
    assert room["managers"] == ["alice"] and room["presenters"] == ["bob"]
    assert (room["privacy"], room["type"], room["disabled"], room["invitations"],
            room["addin"]) == ("Closed", "Normal", True, "False", "ITPersistentChatAddin")
    ok(store, 'Set-CsPersistentChatRoom -Identity "ITNews" -Members @{Remove="carol"} '
              '-Disabled $false -Addin $null')
    room = json.loads(ok(store, "Get-CsPersistentChatRoom ITNews", "--json"))[0]
    assert room["members"] == ["kenmyer"] and room["disabled"] is False and room["addin"] is None
    table = ok(store, "Get-CsPersistentChatRoom -Category IT")
    assert "#ITNews" in table and "Closed" in table
    # An add-in in use cannot be removed.
    ok(store, 'Set-CsPersistentChatRoom -Identity ITNews -Addin ITPersistentChatAddin')
    assert "is used by 1 room" in fails(store, "Remove-CsPersistentChatAddin ITPersistentChatAddin")
    ok(store, 'Set-CsPersistentChatAddin -Identity ITPersistentChatAddin '
              '-Url "https://other.litwareinc.com/"')
    addins = json.loads(ok(store, "Get-CsPersistentChatAddin", "--json"))
    assert addins == [{"name": "ITPersistentChatAddin", "url": "https://other.litwareinc.com/"}]
    ok(store, "Remove-CsPersistentChatRoom ITNews")
    ok(store, "Remove-CsPersistentChatAddin ITPersistentChatAddin")
    assert json.loads(ok(store, "Get-CsPersistentChatRoom", "--json")) == []


def test_configuration_cmdlets(store):
    ok(store, 'Set-CsPersistentChatConfiguration -Identity "site:Redmond" '
              '-ParticipantUpdateLimit 100 -DefaultChatHistory 50 -MaxFileSizeKB 30000')
    assert json.loads(ok(store, "Get-CsPersistentChatConfiguration", "--json")) == {
        "default_chat_history": 50, "participant_update_limit": 100, "max_file_size_kb": 30000}
    assert "DefaultChatHistory must be between 1 and 500" in fails(
        store, "Set-CsPersistentChatConfiguration -DefaultChatHistory 501")
    assert json.loads(ok(store, "Get-CsPersistentChatConfiguration", "--json"))[
        "default_chat_history"] == 50


@pytest.mark.parametrize("line, message", [
    ('New-CsPersistentChatRoom -Name x -Category Nope', "no category 'Nope'"),
    ('New-CsPersistentChatRoom -Name x -Category default -Privacy Sideways', "Privacy"),
    ('New-CsPersistentChatRoom -Name x -Category default -Type Theatre', "Type"),
    ('New-CsPersistentChatRoom -Name x -Category default -Invitations Maybe', "Invitations"),
    ('New-CsPersistentChatRoom -Name x', "Category"),
    ('New-CsPersistentChatRoom -Name "bad name" -Category default', "not a valid channel name"),
    ('New-CsPersistentChatRoom -Name x -Category default -Addin Nope', "no add-in 'Nope'"),
    ('New-CsPersistentChatRoom -Name x -Category default -Members "mailto:a@b"', "mailto:a@b"),
    ('New-CsPersistentChatRoom -Name x -Category default -Disabled maybe', "Disabled"),
    ('Set-CsPersistentChatRoom -Identity "pool\\nothere" -Privacy Open', "no room '#nothere'"),
    ('Set-CsPersistentChatCategory -Identity default -AllowedMembers @{Add="sip:john.doe@x"}',
     "john.doe"),
    ('Set-CsPersistentChatCategory -Identity default', "nothing to change"),
    ('New-CsPersistentChatCategory -Name default', "category 'default' already exists"),
    ('New-CsPersistentChatAddin -Name a -Url "ftp://x"', "http"),
    ('Set-CsPersistentChatConfiguration -ParticipantUpdateLimit 0', "ParticipantUpdateLimit"),
    ('Set-CsPersistentChatConfiguration -MaxFileSizeKB lots', "MaxFileSizeKB"),
    ('Remove-CsPersistentChatCategory -Identity Nope', "no category 'Nope'"),
    ('New-CsPersistentChatRoom -Name x -Category default -Bogus 1', "Bogus"),
])
def test_bad_parameters_change_nothing(store, line, message):
    ok(store, 'New-CsPersistentChatRoom -Name keep -Category default -Members alice')
    before = snapshot(store)
    assert message in fails(store, line)
    assert snapshot(store) == before


def test_whatif_writes_nothing(store):
    before = snapshot(store)
    out = ok(store, "New-CsPersistentChatRoom -Name x -Category default -WhatIf")
    assert "Dry run" in out
    out = ok(store, "Set-CsPersistentChatCategory -Identity default -Creators alice -WhatIf")
    assert "Dry run" in out and "alice" in out
    assert snapshot(store) == before


def test_native_commands(store):
    out = ok(store, "category", "--help")
    assert "add" in out and "remove" in out
    ok(store, "category", "add", "Eng", "--allowed-members", "alice,bob", "--creators", "alice",
       "--description", "Engineering", "--file-upload", "true")
    ok(store, "category", "set", "Eng", "--add-allowed-members", "carol",
       "--remove-allowed-members", "bob", "--denied-members", "mallory")
    cat = json.loads(ok(store, "category", "list", "Eng", "--json"))[0]
    assert cat["allowed_members"] == ["alice", "carol"] and cat["denied_members"] == ["mallory"]
    assert cat["file_upload"] is True
    ok(store, "room", "add", "#eng", "--category", "Eng", "--privacy", "Secret", "--managers",
       "alice", "--presenters", "carol")
    ok(store, "room", "set", "#eng", "--type", "Auditorium", "--add-members", "dave",
       "--name", "#engineering")
    room = json.loads(ok(store, "room", "list", "#engineering", "--json"))[0]
    assert room["type"] == "Auditorium" and room["members"] == ["dave"]
    assert room["managers"] == ["alice"] and room["presenters"] == ["carol"]
    assert "#engineering" in ok(store, "room", "list", "--category", "Eng")
    ok(store, "addin", "add", "wiki", "--url", "https://wiki.example.org/")
    ok(store, "room", "set", "#engineering", "--addin", "wiki", "--disabled", "true")
    assert json.loads(ok(store, "room", "list", "#engineering", "--json"))[0]["disabled"]
    ok(store, "config", "set", "--participant-update-limit", "10")
    assert json.loads(ok(store, "config", "show", "--json"))["participant_update_limit"] == 10
    assert "still has 1 room" in fails(store, "category", "remove", "Eng")
    ok(store, "room", "remove", "#engineering")
    ok(store, "category", "remove", "Eng")
    ok(store, "addin", "remove", "wiki")
    assert "no room '#engineering'" in fails(store, "room", "list", "#engineering")
