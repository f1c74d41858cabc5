"""The files.* family: the two-step external upload and sharing files into conversations."""

from __future__ import annotations

import copy
from typing import Any

from localslack.errors import SlackError
from localslack.models import File
from localslack.workspace.chat import ChatFacet


class FilesFacet(ChatFacet):
    """Uploads and the files they create."""

    @property
    def files(self) -> list[File]:
        with self.lock:
            return copy.deepcopy(list(self._files.values()))

    def file(self, file_id: str) -> File | None:
        with self.lock:
            return copy.deepcopy(self._files.get(file_id))

    def start_upload(
        self,
        filename: str,
        length: int,
        *,
        alt_txt: str | None = None,
        snippet_type: str | None = None,
    ) -> File:
        with self.lock:
            file = File(
                id=self.new_id("F"),
                name=filename,
                length=length,
                created=int(self.clock()),
                user=self.bot_user_id,
                alt_txt=alt_txt,
                snippet_type=snippet_type,
            )
            self._files[file.id] = file
            self._notify()
            return copy.deepcopy(file)

    def receive_upload(self, file_id: str, data: bytes) -> File:
        with self.lock:
            file = self._files.get(file_id)
            if file is None or file.completed:
                raise SlackError("file_not_found", status=404)
            file.content = bytes(data)
            self._notify()
            return copy.deepcopy(file)

    def complete_upload(
        self,
        items: list[dict[str, Any]],
        *,
        channels: list[str],
        initial_comment: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> list[File]:
        """Finish uploads and share them into each conversation as one message."""
        with self.lock:
            files: list[File] = []
            for item in items:
                file = self._files.get(str(item.get("id", "")))
                if file is None:
                    raise SlackError("file_not_found")
                if not file.uploaded:
                    raise SlackError(
                        "file_not_found",
                        response_metadata={
                            "messages": [f"[ERROR] no bytes were ever uploaded for {file.id}"]
                        },
                    )
                files.append(file)
            targets = [self.conversation_for(c) for c in channels]
            for target in targets:
                self.check_bot_can_post(target)
            for file, item in zip(files, items, strict=True):
                file.title = str(item.get("title") or file.title or file.name)
                alt = item.get("alt_txt", item.get("alt_text"))
                if alt:
                    file.alt_txt = str(alt)
                file.completed = True
            base_url = self.base_url or "http://localslack.invalid"
            for target in targets:
                for file in files:
                    if target.id not in file.channels:
                        file.channels.append(target.id)
                self.post_message(
                    target.id,
                    initial_comment or "",
                    blocks=None if initial_comment else blocks,
                    files=[f.to_api(base_url) for f in files],
                    thread_ts=thread_ts,
                )
            self._notify()
            return copy.deepcopy(files)
