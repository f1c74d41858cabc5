"""The views.* and files.* Web API methods (modals, Home tabs, external uploads)."""

from __future__ import annotations

from typing import Any

from localslack.errors import SlackError
from localslack.params import CallContext, Params
from localslack.workspace import Workspace


class ViewsAndFilesMethods:
    """Mixed into `WebApi`, which sets `workspace`."""

    workspace: Workspace

    # --- views -------------------------------------------------------------------------------

    def _view_definition(self, p: Params, expected_type: str | None) -> dict[str, Any]:
        view = p.decoded("view")
        if not isinstance(view, dict):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view"]},
            )
        view_type = view.get("type")
        if expected_type is not None and view_type != expected_type:
            raise SlackError(
                "invalid_arguments",
                response_metadata={
                    "messages": [f"[ERROR] must be '{expected_type}' [json-pointer:/view/type]"]
                },
            )
        blocks = view.get("blocks", [])
        if not isinstance(blocks, list) or len(blocks) > 100:
            raise SlackError("invalid_arguments")
        if view_type == "modal" and not isinstance(view.get("title"), dict):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: title"]},
            )
        return view

    def _view_api(self, view_id: str) -> dict[str, Any]:
        ws = self.workspace
        view = ws.view(view_id)
        assert view is not None
        return view.to_api(team_id=ws.team_id, app_id=ws.app_id, bot_id=ws.bot_id)

    def _trigger(self, p: Params) -> str:
        trigger_id = p.text("trigger_id") or p.text("interactivity_pointer")
        if trigger_id is None:
            raise SlackError("invalid_trigger_id")
        return self.workspace.redeem_trigger_id(trigger_id).user

    def views_open(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        definition = self._view_definition(p, "modal")
        user = self._trigger(p)
        view = self.workspace.open_view(user, definition)
        return {"view": self._view_api(view.id)}

    def views_push(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        definition = self._view_definition(p, "modal")
        user = self._trigger(p)
        view = self.workspace.push_view(user, definition)
        return {"view": self._view_api(view.id)}

    def views_update(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        definition = self._view_definition(p, None)
        view_id, external_id = p.text("view_id"), p.text("external_id")
        if not view_id and not external_id:
            raise SlackError("not_found")
        view = self.workspace.update_view(
            definition, view_id=view_id, external_id=external_id, hash=p.text("hash")
        )
        return {"view": self._view_api(view.id)}

    def views_publish(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        definition = self._view_definition(p, "home")
        user_id = p.required("user_id", "user_not_found")
        view = self.workspace.publish_home(user_id, definition, hash=p.text("hash"))
        return {"view": self._view_api(view.id)}

    # --- files -------------------------------------------------------------------------------

    def files_get_upload_url_external(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        filename = p.required("filename")
        length = p.number("length", 0)
        if length <= 0:
            raise SlackError("invalid_arguments")
        file = self.workspace.start_upload(
            filename, length, alt_txt=p.text("alt_txt"), snippet_type=p.text("snippet_type")
        )
        return {"upload_url": f"{ctx.base_url.rstrip('/')}/upload/{file.id}", "file_id": file.id}

    def files_complete_upload_external(self, p: Params, ctx: CallContext) -> dict[str, Any]:
        ws = self.workspace
        items = p.list_of_dicts("files")
        if not items:
            raise SlackError("invalid_arguments")
        channels = p.csv("channels")
        channel_id = p.text("channel_id")
        if channel_id and channel_id not in channels:
            channels.insert(0, channel_id)
        blocks = p.decoded("blocks", "invalid_blocks")
        files = ws.complete_upload(
            items,
            channels=channels,
            initial_comment=p.text("initial_comment"),
            blocks=blocks if isinstance(blocks, list) else None,
            thread_ts=p.text("thread_ts"),
        )
        return {"files": [f.to_api(ctx.base_url) for f in files]}
