"""A real FTP server (pyftpdlib) in a thread of the test process, serving one directory to one
user, for the ``EX_DRM_FTP_PUT``/``_GET`` tests, the demo and the benchmark."""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def ftp_server(root: Path, user: str, password: str) -> Iterator[str]:
    """Serve ``root`` (read/write) on 127.0.0.1, a free port; yields ``"127.0.0.1:<port>"``."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    root.mkdir(parents=True, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "banner": "drm tests",
                                              "passive_ports": None})
    handler.log_prefix = ""
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2},
                              daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.close_all()
        thread.join(timeout=5)
