"""The stand-in's Web API, driven by slack_sdk's real WebClient as an app would drive it."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from localslack import FakeClock, LocalSlackServer, Workspace

TS = re.compile(r"^\d{10}\.\d{6}$")

MODAL = {
    "type": "modal",
    "callback_id": "kpi_new",
    "title": {"type": "plain_text", "text": "New KPI"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "name"},
        }
    ],
}


def error_of(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


# --- auth --------------------------------------------------------------------------------------


def test_auth_test_describes_the_bot(client: WebClient, workspace: Workspace) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == workspace.bot_user_id
    assert answer["bot_id"] == workspace.bot_id
    assert answer["team_id"] == workspace.team_id
    assert answer["team"] == workspace.team_name
    assert answer["url"] == workspace.url


def test_wrong_or_missing_token(server: LocalSlackServer, workspace: Workspace) -> None:
    wrong = WebClient(token="xoxb-not-ours", base_url=server.api_url)
    assert error_of(wrong.auth_test).response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=server.api_url)
    assert error_of(anonymous.auth_test).response["error"] == "not_authed"
    app_level = WebClient(token=workspace.app_token, base_url=server.api_url)
    assert error_of(app_level.auth_test).response["error"] == "not_allowed_token_type"


def test_socket_mode_is_not_served(server: LocalSlackServer, workspace: Workspace) -> None:
    bot = WebClient(token=workspace.bot_token, base_url=server.api_url)
    error = error_of(lambda: bot.api_call("apps.connections.open"))
    assert error.response["error"] == "not_allowed_token_type"
    app_level = WebClient(token=workspace.app_token, base_url=server.api_url)
    error = error_of(lambda: app_level.apps_connections_open(app_token=workspace.app_token))
    assert error.response["error"] == "not_supported"


def test_unknown_method(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("chat.teleport")).response["error"] == "unknown_method"


def test_form_bodies_and_token_parameter(server: LocalSlackServer, workspace: Workspace) -> None:
    with httpx.Client(trust_env=False) as http:
        form = http.post(
            server.api_url + "chat.postMessage",
            data={"token": workspace.bot_token, "channel": "C0GENERAL", "text": "by form"},
        ).json()
        assert form["ok"] is True
        # Slack reads a JSON call's token only from the Authorization header.
        body = {"token": workspace.bot_token, "channel": "C0GENERAL", "text": "x"}
        json_in_body = http.post(server.api_url + "chat.postMessage", json=body).json()
        assert json_in_body == {"ok": False, "error": "not_authed"}
    assert [m.text for m in workspace.messages_in("C0GENERAL")] == ["by form"]


# --- chat --------------------------------------------------------------------------------------


def test_post_to_a_user_id_lands_in_the_dm(client: WebClient, workspace: Workspace) -> None:
    first = client.chat_postMessage(channel="U0ANN", text="Your KPIs are due")
    second = client.chat_postMessage(channel="U0ANN", text="Reminder", unfurl_links=False)

    assert first["channel"].startswith("D")
    assert first["channel"] == second["channel"] == workspace.dm_id("U0ANN")
    assert TS.match(first["ts"])
    assert TS.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])  # even though the fake clock stood still
    assert first["message"]["text"] == "Your KPIs are due"
    assert first["message"]["bot_id"] == workspace.bot_id
    assert [m.text for m in workspace.dm_with("U0ANN")] == ["Your KPIs are due", "Reminder"]
    assert workspace.calls_to("chat.postMessage")[0].params["channel"] == "U0ANN"


def test_blocks_are_kept(client: WebClient, workspace: Workspace) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Revenue* 12 %"}}]
    client.chat_postMessage(channel="C0GENERAL", text="Revenue", blocks=blocks)
    assert workspace.messages_in("C0GENERAL")[0].blocks == blocks
    bad = error_of(
        lambda: client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[{"x": 1}])
    )
    assert bad.response["error"] == "invalid_blocks"
    empty = error_of(lambda: client.api_call("chat.postMessage", json={"channel": "C0GENERAL"}))
    assert empty.response["error"] == "no_text"


def test_threads(client: WebClient, workspace: Workspace) -> None:
    parent = client.chat_postMessage(channel="C0GENERAL", text="Weekly check-in")
    reply = client.chat_postMessage(channel="C0GENERAL", text="Done", thread_ts=parent["ts"])
    workspace.post_as_user("U0ANN", "C0GENERAL", "Thanks", thread_ts=parent["ts"])

    assert reply["message"]["thread_ts"] == parent["ts"]
    assert [m.text for m in workspace.replies_to("C0GENERAL", parent["ts"])] == ["Done", "Thanks"]
    thread = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["Weekly check-in", "Done", "Thanks"]
    assert thread[0]["reply_count"] == 2
    history = client.conversations_history(channel="C0GENERAL")["messages"]
    assert [m["text"] for m in history] == ["Weekly check-in"]


def test_update_and_delete(client: WebClient, workspace: Workspace) -> None:
    posted = client.chat_postMessage(channel="C0GENERAL", text="Draft")
    updated = client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="Final")
    assert updated["text"] == "Final"
    message = workspace.message("C0GENERAL", posted["ts"])
    assert message is not None
    assert message.text == "Final"
    assert message.edited is not None

    theirs = workspace.post_as_user("U0ANN", "C0GENERAL", "mine")
    error = error_of(lambda: client.chat_update(channel="C0GENERAL", ts=theirs.ts, text="x"))
    assert error.response["error"] == "cant_update_message"
    error = error_of(lambda: client.chat_update(channel="C0GENERAL", ts="1.000001", text="x"))
    assert error.response["error"] == "message_not_found"

    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=posted["ts"])["permalink"]
    assert link.endswith("/archives/C0GENERAL/p" + posted["ts"].replace(".", ""))

    client.chat_delete(channel="C0GENERAL", ts=posted["ts"])
    assert [m.text for m in workspace.messages_in("C0GENERAL")] == ["mine"]
    error = error_of(lambda: client.chat_delete(channel="C0GENERAL", ts=theirs.ts))
    assert error.response["error"] == "cant_delete_message"


def test_ephemeral(client: WebClient, workspace: Workspace) -> None:
    answer = client.chat_postEphemeral(channel="C0GENERAL", user="U0ANN", text="Only you")
    assert TS.match(answer["message_ts"])
    [ephemeral] = workspace.ephemerals_for("U0ANN")
    assert (ephemeral.channel, ephemeral.text, ephemeral.ts) == (
        "C0GENERAL",
        "Only you",
        answer["message_ts"],
    )
    workspace.add_user("U0NEW", "newbie")
    error = error_of(lambda: client.chat_postEphemeral(channel="C0GENERAL", user="U0NEW", text="x"))
    assert error.response["error"] == "user_not_in_channel"


# --- permissions and channels --------------------------------------------------------------------


def test_missing_scope(client: WebClient, workspace: Workspace) -> None:
    workspace.revoke("chat:write")
    error = error_of(lambda: client.chat_postMessage(channel="C0GENERAL", text="x"))
    assert error.response["error"] == "missing_scope"
    assert error.response["needed"] == "chat:write"
    assert "users:read" in error.response["provided"].split(",")
    assert "chat:write" not in error.response["provided"].split(",")

    workspace.revoke("users:read")
    assert error_of(lambda: client.users_info(user="U0ANN")).response["needed"] == "users:read"
    workspace.revoke("groups:read")
    workspace.add_channel("C0PRIV", "priv", is_private=True)
    error = error_of(lambda: client.conversations_info(channel="C0PRIV"))
    assert error.response["needed"] == "groups:read"
    assert client.conversations_info(channel="C0GENERAL")["channel"]["name"] == "general"
    # views.* need no scope at all
    assert client.views_publish(user_id="U0ANN", view={"type": "home", "blocks": []})["ok"]


def test_not_in_channel(client: WebClient, workspace: Workspace) -> None:
    error = error_of(lambda: client.chat_postMessage(channel="C0OUTSIDE", text="x"))
    assert error.response["error"] == "not_in_channel"
    workspace.grant("chat:write.public")
    assert client.chat_postMessage(channel="C0OUTSIDE", text="now I can")["ok"]
    # A private channel the bot is not in does not exist as far as the bot can tell.
    error = error_of(lambda: client.chat_postMessage(channel="C0SECRET", text="x"))
    assert error.response["error"] == "channel_not_found"
    workspace.revoke("chat:write.public")
    assert client.conversations_join(channel="C0OUTSIDE")["ok"]
    assert client.chat_postMessage(channel="C0OUTSIDE", text="joined")["ok"]


def test_channel_not_found_and_archived(client: WebClient, workspace: Workspace) -> None:
    error = error_of(lambda: client.chat_postMessage(channel="C0NOPE", text="x"))
    assert error.response["error"] == "channel_not_found"
    error = error_of(lambda: client.chat_postMessage(channel="U0NOBODY", text="x"))
    assert error.response["error"] == "channel_not_found"
    workspace.add_channel("C0OLD", "old", is_archived=True)
    error = error_of(lambda: client.chat_postMessage(channel="C0OLD", text="x"))
    assert error.response["error"] == "is_archived"


def test_deactivated_users(client: WebClient, workspace: Workspace) -> None:
    error = error_of(lambda: client.conversations_open(users="U0GONE"))
    assert error.response["error"] == "user_disabled"
    # Slack itself accepts a post to a deactivated user's DM; a test can make it refuse.
    assert client.chat_postMessage(channel="U0GONE", text="hello?")["ok"]
    workspace.deleted_user_dm_error = "user_disabled"
    error = error_of(lambda: client.chat_postMessage(channel="U0GONE", text="x"))
    assert error.response["error"] == "user_disabled"


def test_conversations(client: WebClient, workspace: Workspace) -> None:
    opened = client.conversations_open(users="U0BOB")
    again = client.conversations_open(users="U0BOB", return_im=True)
    assert opened["channel"]["id"] == again["channel"]["id"] == workspace.dm_id("U0BOB")
    assert again["already_open"] is True
    assert again["channel"]["user"] == "U0BOB"

    info = client.conversations_info(channel="C0GENERAL", include_num_members=True)["channel"]
    assert info["name"] == "general"
    assert info["is_member"] is True
    assert info["num_members"] == 2
    members = client.conversations_members(channel="C0GENERAL")["members"]
    assert set(members) == {"U0ANN", "U0BOB", workspace.bot_user_id}
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert names == ["general", "outside"]


# --- users -------------------------------------------------------------------------------------


def test_users_info(client: WebClient) -> None:
    ann = client.users_info(user="U0ANN")["user"]
    assert ann["tz"] == "America/New_York"
    assert ann["tz_offset"] == -5 * 3600
    assert ann["real_name"] == "Ann Lee"
    assert ann["profile"]["display_name"] == "ann"
    assert ann["deleted"] is False
    bob = client.users_info(user="U0BOB")["user"]
    assert (bob["tz"], bob["tz_offset"]) == ("Europe/Berlin", 3600)
    assert client.users_info(user="U0GONE")["user"]["deleted"] is True
    assert error_of(lambda: client.users_info(user="U0NOBODY")).response["error"] == (
        "user_not_found"
    )
    assert client.users_lookupByEmail(email="ANN@example.com")["user"]["id"] == "U0ANN"


def test_tz_offset_follows_daylight_saving(
    client: WebClient, clock: FakeClock, workspace: Workspace
) -> None:
    clock.set(1_752_000_000.0)  # July 2025: New York on EDT
    assert client.users_info(user="U0ANN")["user"]["tz_offset"] == -4 * 3600


def test_users_list_paginates(client: WebClient, workspace: Workspace) -> None:
    for n in range(5):
        workspace.add_user(f"U0EXTRA{n}", f"extra{n}")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.users_list(limit=3, cursor=cursor)
        pages += 1
        seen.extend(member["id"] for member in page["members"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == [u.id for u in workspace.users]
    assert workspace.bot_user_id in seen
    bad = error_of(lambda: client.users_list(cursor="not-a-cursor"))
    assert bad.response["error"] == "invalid_cursor"


# --- rate limits and latency ---------------------------------------------------------------------


def test_forced_rate_limit_and_retry_handler(
    server: LocalSlackServer, client: WebClient, workspace: Workspace
) -> None:
    workspace.rate_limit("chat.postMessage", times=1, retry_after=1)
    error = error_of(lambda: client.chat_postMessage(channel="C0GENERAL", text="x"))
    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel="C0GENERAL", text="next one passes")["ok"]

    workspace.rate_limit("chat.postMessage", times=1, retry_after=1)
    patient = WebClient(
        token=workspace.bot_token,
        base_url=server.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    started = time.monotonic()
    assert patient.chat_postMessage(channel="C0GENERAL", text="after waiting")["ok"]
    assert time.monotonic() - started >= 1.0
    statuses = [c.status for c in workspace.calls_to("chat.postMessage")]
    assert statuses == [429, 200, 429, 200]


def test_realistic_rate_limits(client: WebClient, workspace: Workspace, clock: FakeClock) -> None:
    workspace.enable_rate_limits()
    for n in range(3):  # a short burst is fine
        client.chat_postMessage(channel="C0GENERAL", text=f"burst {n}")
    error = error_of(lambda: client.chat_postMessage(channel="C0GENERAL", text="too fast"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "1"
    # ... per channel: another channel has its own allowance
    assert client.chat_postMessage(channel="U0ANN", text="elsewhere")["ok"]
    clock.advance(1.0)
    assert client.chat_postMessage(channel="C0GENERAL", text="one second later")["ok"]

    # users.list is Tier 2 (20 a minute): a burst of 5, then one every 3 s.
    for _ in range(5):
        client.users_list()
    error = error_of(client.users_list)
    assert error.response.headers["Retry-After"] == "3"
    workspace.disable_rate_limits()
    assert client.users_list()["ok"]


def test_latency(client: WebClient, workspace: Workspace) -> None:
    workspace.method_latency["auth.test"] = 0.2
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2


# --- views -------------------------------------------------------------------------------------


def test_views_open_needs_a_fresh_trigger_id(
    client: WebClient, workspace: Workspace, clock: FakeClock
) -> None:
    trigger = workspace.issue_trigger_id("U0ANN")
    clock.advance(2.9)
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["callback_id"] == "kpi_new"
    assert view["title"]["text"] == "New KPI"
    assert [v.id for v in workspace.views_for("U0ANN")] == [view["id"]]

    again = error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert again.response["error"] == "exchanged_trigger_id"
    stale = workspace.issue_trigger_id("U0ANN")
    clock.advance(3.01)
    expired = error_of(lambda: client.views_open(trigger_id=stale, view=MODAL))
    assert expired.response["error"] == "expired_trigger_id"
    unknown = error_of(lambda: client.views_open(trigger_id="123.456.789", view=MODAL))
    assert unknown.response["error"] == "invalid_trigger_id"


def test_views_push_update_and_publish(client: WebClient, workspace: Workspace) -> None:
    opened = client.views_open(
        trigger_id=workspace.issue_trigger_id("U0ANN"), view={**MODAL, "external_id": "kpi-1"}
    )["view"]
    pushed = client.views_push(trigger_id=workspace.issue_trigger_id("U0ANN"), view=MODAL)["view"]
    assert pushed["previous_view_id"] == opened["id"]
    assert [v.id for v in workspace.views_for("U0ANN")] == [opened["id"], pushed["id"]]

    renamed = {**MODAL, "title": {"type": "plain_text", "text": "Renamed"}}
    updated = client.views_update(external_id="kpi-1", view=renamed, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    stale = error_of(lambda: client.views_update(view_id=opened["id"], view=MODAL, hash="old"))
    assert stale.response["error"] == "hash_conflict"
    assert error_of(lambda: client.views_update(view_id="V0NOPE", view=MODAL)).response[
        "error"
    ] == ("not_found")

    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    published = client.views_publish(user_id="U0BOB", view=home)["view"]
    again = client.views_publish(user_id="U0BOB", view=home)["view"]
    assert published["id"] == again["id"]
    found = workspace.home_for("U0BOB")
    assert found is not None
    assert found.type == "home"
    assert found.blocks == home["blocks"]
    wrong_type = error_of(lambda: client.views_publish(user_id="U0BOB", view=MODAL))
    assert wrong_type.response["error"] == "invalid_arguments"


# --- files -------------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(
    server: LocalSlackServer, client: WebClient, workspace: Workspace
) -> None:
    png = b"\x89PNG\r\n\x1a\nnot really a chart"
    answer = client.files_upload_v2(
        content=png,
        filename="revenue.png",
        title="Revenue",
        channel="C0GENERAL",
        initial_comment="This week's revenue",
        alt_txt="Revenue rose 12 %",
    )
    assert answer["file"]["name"] == "revenue.png"

    [message] = workspace.messages_in("C0GENERAL")
    assert message.text == "This week's revenue"
    assert message.files is not None
    assert message.files[0]["id"] == answer["file"]["id"]
    [stored] = workspace.files
    assert stored.content == png
    assert stored.title == "Revenue"
    assert stored.alt_txt == "Revenue rose 12 %"
    assert stored.channels == ["C0GENERAL"]
    assert [c.method for c in workspace.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    with httpx.Client(trust_env=False) as http:
        url = answer["file"]["url_private"]
        downloaded = http.get(url, headers={"Authorization": f"Bearer {workspace.bot_token}"})
        assert downloaded.content == png
        assert http.get(url).status_code == 403


def test_files_into_a_thread_of_a_dm(client: WebClient, workspace: Workspace) -> None:
    parent = client.chat_postMessage(channel="U0ANN", text="Your chart:")
    client.files_upload_v2(
        content="a,b\n1,2\n", filename="kpi.csv", channel=parent["channel"], thread_ts=parent["ts"]
    )
    [reply] = workspace.replies_to(parent["channel"], parent["ts"])
    assert reply.files is not None
    assert reply.files[0]["name"] == "kpi.csv"


def test_complete_without_upload_fails(client: WebClient, workspace: Workspace) -> None:
    started = client.files_getUploadURLExternal(filename="x.png", length=10)
    assert started["upload_url"].endswith(f"/upload/{started['file_id']}")
    error = error_of(
        lambda: client.files_completeUploadExternal(
            files=[{"id": started["file_id"], "title": "x"}], channel_id="C0GENERAL"
        )
    )
    assert error.response["error"] == "file_not_found"
    assert workspace.messages_in("C0GENERAL") == []
    workspace.revoke("files:write")
    error = error_of(lambda: client.files_getUploadURLExternal(filename="x.png", length=10))
    assert error.response["needed"] == "files:write"


# --- response URLs -----------------------------------------------------------------------------


def test_response_urls(workspace: Workspace) -> None:
    url = workspace.issue_response_url("U0ANN", "C0GENERAL")
    hook = WebhookClient(url)
    assert hook.send(text="Only Ann sees this").status_code == 200
    [ephemeral] = workspace.ephemerals_for("U0ANN")
    assert ephemeral.text == "Only Ann sees this"
    assert ephemeral.source == "response_url"

    hook.send(text="Everyone sees this", response_type="in_channel")
    [message] = workspace.messages_in("C0GENERAL")
    assert message.text == "Everyone sees this"
    assert message.user == workspace.bot_user_id

    from_message = WebhookClient(
        workspace.issue_response_url("U0ANN", "C0GENERAL", message_ts=message.ts)
    )
    from_message.send(text="Replaced", replace_original=True)
    assert [m.text for m in workspace.messages_in("C0GENERAL")] == ["Replaced"]
    from_message.send(text="", delete_original=True)
    assert workspace.messages_in("C0GENERAL") == []

    for _ in range(3):
        hook.send(text="again")
    assert hook.send(text="sixth use").status_code == 404
    assert WebhookClient(url + "x").send(text="unknown").status_code == 404
    assert [c.status for c in workspace.calls_to("response_url")][-2:] == [404, 404]
