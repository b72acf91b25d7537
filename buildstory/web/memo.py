"""Rendered HTML remembered by the data it shows.

A list card with no forms and nothing about the viewer (a showcase submission card) is a
pure function of its data. ``RenderMemo.get(key, render)`` returns the HTML rendered
earlier for the same key, else renders it: the key holds every value the card shows, so
a changed value is a new key and nothing ever needs forgetting. The newest entries are
kept (least recently used leave first), per process.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RenderMemo:
    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], str]) -> str:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
                return html
        html = render()
        with self._lock:
            self._items[key] = html
            if len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
