"""The Web API's methods: argument handling, auth, scopes, rate limits and answers.

`WebApi.call()` takes a method name, its arguments and a token, and returns what Slack would
answer (status, JSON body, headers), having recorded the call on the workspace. It knows
nothing of HTTP; `webapi.py` puts it behind Starlette.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from localslack.errors import SlackError
from localslack.methods_views import ViewsAndFilesMethods
from localslack.models import Call, Channel
from localslack.params import ApiResponse, CallContext, Handler, Params, paginate
from localslack.scopes import CONVERSATION_HISTORY_SCOPES, CONVERSATION_READ_SCOPES, METHOD_SCOPES
from localslack.workspace import MAX_BLOCKS, MAX_TEXT_LENGTH, Workspace

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class WebApi(ViewsAndFilesMethods):
    """Slack's Web API over a workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.handlers: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "team.info": self.team_info,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.open": self.conversations_open,
            "conversations.join": self.conversations_join,
            "conversations.info": self.conversations_info,
            "conversations.members": self.conversations_members,
            "conversations.list": self.conversations_list,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "users.lookupByEmail": self.users_lookup_by_email,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "apps.connections.open": self.apps_connections_open,
        }

    # --- the one entry point -----------------------------------------------------------------

    def call(
        self, method: str, params: Mapping[str, Any], *, token: str | None, base_url: str
    ) -> ApiResponse:
        ws = self.workspace
        args = Params(params)
        try:
            response = self._dispatch(method, args, token, CallContext(method, base_url))
        except SlackError as exc:
            response = ApiResponse(exc.status, exc.body())
        ws.record_call(
            Call(method, dict(params), ws.clock(), status=response.status, response=response.body)
        )
        return response

    def _dispatch(
        self, method: str, args: Params, token: str | None, ctx: CallContext
    ) -> ApiResponse:
        ws = self.workspace
        handler = self.handlers.get(method)
        if handler is None:
            raise SlackError("unknown_method", req_method=method)
        if not token:
            raise SlackError("not_authed")
        if token == ws.app_token:
            if method not in APP_TOKEN_METHODS:
                raise SlackError("not_allowed_token_type")
        elif token == ws.bot_token:
            if method in APP_TOKEN_METHODS:
                raise SlackError("not_allowed_token_type")
            if ws.token_revoked:
                raise SlackError("token_revoked")
        else:
            raise SlackError("invalid_auth")

        retry_after = ws.take_rate_limit(method, args.data)
        if retry_after is not None:
            return ApiResponse(
                429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            )

        if token == ws.bot_token:
            self._require_scope(*METHOD_SCOPES.get(method, ()))
        with ws.lock:
            body = handler(args, ctx)
        return ApiResponse(200, {"ok": True, **body}, self._scope_headers())

    def _scope_headers(self, needed: str | None = None) -> dict[str, str]:
        headers = {"X-OAuth-Scopes": ",".join(sorted(self.workspace.scopes))}
        if needed:
            headers["X-Accepted-OAuth-Scopes"] = needed
        return headers

    def _require_scope(self, *acceptable: str) -> None:
        """Pass if any of `acceptable` is granted (or none is needed)."""
        granted = self.workspace.scopes
        if not acceptable or granted.intersection(acceptable):
            return
        raise SlackError("missing_scope", needed=acceptable[0], provided=",".join(sorted(granted)))

    # --- auth / team -------------------------------------------------------------------------

    def auth_test(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        return {
            "url": ws.url,
            "team": ws.team_name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "is_enterprise_install": False,
        }

    def team_info(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        return {"team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain}}

    def apps_connections_open(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        # Reached only with the app-level token. Socket Mode is not served here.
        raise SlackError(
            "not_supported",
            response_metadata={
                "messages": ["[ERROR] localslack serves HTTP only, not Socket Mode"]
            },
        )

    # --- chat --------------------------------------------------------------------------------

    def _message_content(
        self, p: Params, *, require: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
        text = p.text("text")
        blocks = p.decoded("blocks", "invalid_blocks")
        if blocks is not None and (
            not isinstance(blocks, list)
            or len(blocks) > MAX_BLOCKS
            or not all(isinstance(b, dict) and "type" in b for b in blocks)
        ):
            raise SlackError("invalid_blocks")
        attachments = p.decoded("attachments", "invalid_attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if require and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if text is not None and len(text) > MAX_TEXT_LENGTH:
            raise SlackError("msg_too_long")
        return text, blocks or None, attachments or None

    def chat_post_message(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        target = p.required("channel", "channel_not_found")
        text, blocks, attachments = self._message_content(p)
        channel = ws.conversation_for(target)
        ws.check_bot_can_post(channel)
        metadata = p.decoded("metadata")
        message = ws.post_message(
            channel.id,
            text or "",
            blocks=blocks,
            attachments=attachments,
            thread_ts=p.text("thread_ts"),
            metadata=metadata if isinstance(metadata, dict) else None,
            reply_broadcast=p.flag("reply_broadcast"),
        )
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api(ws.team_id)}

    def chat_post_ephemeral(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        target = p.required("channel", "channel_not_found")
        user_id = p.required("user", "user_not_found")
        text, blocks, attachments = self._message_content(p)
        user = ws.find_user(user_id)
        channel = ws.conversation_for(target)
        ws.check_bot_can_post(channel)
        in_channel = channel.user == user.id if channel.is_im else user.id in channel.members
        if not in_channel:
            raise SlackError("user_not_in_channel")
        ephemeral = ws.post_ephemeral(
            channel.id,
            user.id,
            text or "",
            blocks=blocks,
            attachments=attachments,
            thread_ts=p.text("thread_ts"),
        )
        return {"message_ts": ephemeral.ts}

    def chat_update(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.find_channel(p.required("channel", "channel_not_found"))
        ts = p.required("ts", "message_not_found")
        text, blocks, attachments = self._message_content(p)
        if ws.find_message(channel.id, ts).user != ws.bot_user_id:
            raise SlackError("cant_update_message")
        metadata = p.decoded("metadata")
        message = ws.update_message(
            channel.id,
            ts,
            text=text if text is not None else "",
            blocks=blocks if blocks is not None else [],
            attachments=attachments,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        return {
            "channel": channel.id,
            "ts": ts,
            "text": message.text,
            "message": message.to_api(ws.team_id),
        }

    def chat_delete(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.find_channel(p.required("channel", "channel_not_found"))
        ts = p.required("ts", "message_not_found")
        if ws.find_message(channel.id, ts).user != ws.bot_user_id:
            raise SlackError("cant_delete_message")
        ws.delete_message(channel.id, ts)
        return {"channel": channel.id, "ts": ts}

    def chat_get_permalink(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.find_channel(p.required("channel", "channel_not_found"))
        ts = p.required("message_ts", "message_not_found")
        return {"channel": channel.id, "permalink": ws.permalink(channel.id, ts)}

    # --- conversations -----------------------------------------------------------------------

    def conversations_open(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        users = p.csv("users")
        channel_id = p.text("channel")
        if channel_id:
            channel = ws.find_channel(channel_id)
            if not (channel.is_im or channel.is_mpim):
                raise SlackError("method_not_supported_for_channel_type")
            existed = True
        elif not users:
            raise SlackError("users_list_not_supplied")
        elif len(users) > 8:
            raise SlackError("too_many_users")
        else:
            for user_id in users:
                if ws.find_user(user_id).deleted:
                    raise SlackError("user_disabled")
            if len(users) == 1:
                channel, existed = ws.open_dm(users[0])
            else:
                channel, existed = ws.open_mpim(users)
        body: dict[str, Any] = {
            "channel": channel.to_api() if p.flag("return_im") else {"id": channel.id}
        }
        if existed:
            body["no_op"] = True
            body["already_open"] = True
        return body

    def conversations_join(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.find_channel(p.required("channel", "channel_not_found"))
        if channel.is_private or channel.is_im or channel.is_mpim:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        already = channel.bot_is_member
        ws.set_bot_membership(channel.id, True)
        body: dict[str, Any] = {"channel": ws.find_channel(channel.id).to_api()}
        if already:
            body["warning"] = "already_in_channel"
        return body

    def _readable_channel(self, p: Params, scopes: Mapping[str, str]) -> Channel:
        channel = self.workspace.find_channel(p.required("channel", "channel_not_found"))
        self._require_scope(scopes[channel.kind])
        return channel

    def conversations_info(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        channel = self._readable_channel(p, CONVERSATION_READ_SCOPES)
        return {"channel": channel.to_api(include_num_members=p.flag("include_num_members"))}

    def conversations_members(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        channel = self._readable_channel(p, CONVERSATION_READ_SCOPES)
        members = list(channel.members)
        if channel.bot_is_member or channel.is_im:
            members.append(self.workspace.bot_user_id)
        page, next_cursor = paginate(members, p)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_list(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        types = p.csv("types") or ["public_channel"]
        for kind in types:
            if kind not in CONVERSATION_READ_SCOPES:
                raise SlackError("invalid_types")
            self._require_scope(CONVERSATION_READ_SCOPES[kind])
        exclude_archived = p.flag("exclude_archived")
        visible = [
            c
            for c in ws.channels
            if c.kind in types
            and not (exclude_archived and c.is_archived)
            and not (c.kind in {"private_channel", "mpim"} and not c.bot_is_member)
        ]
        page, next_cursor = paginate([c.to_api() for c in visible], p)
        return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_history(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        channel = self._readable_channel(p, CONVERSATION_HISTORY_SCOPES)
        if not (channel.bot_is_member or channel.is_im):
            raise SlackError("not_in_channel")
        oldest = float(p.text("oldest") or 0)
        latest = float(p.text("latest") or "inf")
        inclusive = p.flag("inclusive")
        top_level = [
            m
            for m in reversed(ws.messages_in(channel.id))
            if not m.is_reply or m.reply_broadcast
            if (oldest <= float(m.ts) <= latest)
            if inclusive or float(m.ts) not in (oldest, latest)
        ]
        page, next_cursor = paginate([m.to_api(ws.team_id) for m in top_level], p)
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def conversations_replies(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        channel = self._readable_channel(p, CONVERSATION_HISTORY_SCOPES)
        ts = p.required("ts", "thread_not_found")
        message = ws.message(channel.id, ts)
        if message is None:
            raise SlackError("thread_not_found")
        root = message.thread_ts or message.ts
        parent = ws.message(channel.id, root)
        thread = ([parent] if parent else []) + ws.replies_to(channel.id, root)
        page, next_cursor = paginate([m.to_api(ws.team_id) for m in thread], p)
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    # --- users -------------------------------------------------------------------------------

    def users_info(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        user = ws.find_user(p.required("user", "user_not_found"))
        return {"user": user.to_api(ws.team_id, ws.clock())}

    def users_list(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        now = ws.clock()
        members = [u.to_api(ws.team_id, now) for u in ws.users]
        page, next_cursor = paginate(members, p)
        return {
            "members": page,
            "cache_ts": int(now),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def users_lookup_by_email(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        email = p.required("email", "users_not_found").lower()
        for user in ws.users:
            if user.email and user.email.lower() == email:
                return {"user": user.to_api(ws.team_id, ws.clock())}
        raise SlackError("users_not_found")
