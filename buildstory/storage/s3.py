"""The S3-compatible backend (boto3): AWS S3, MinIO, Ceph, R2, moto's server…

Credentials come from the URL's ``access_key``/``secret_key`` or boto3's usual chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an instance role). With an
``endpoint`` the client uses path-style addresses (``http://host/bucket/key``), which
every S3-compatible server understands.
"""
from __future__ import annotations

import secrets
import threading

from .errors import StorageUnavailable

IMMUTABLE = "public, max-age=31536000, immutable"
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


class S3Storage:
    name = "s3"
    external = True

    def __init__(self, *, bucket: str, endpoint: str | None = None, region: str | None = None,
                 prefix: str = "", access_key: str | None = None,
                 secret_key: str | None = None):
        self.bucket, self.endpoint, self.region = bucket, endpoint, region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._credentials = (access_key, secret_key)
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        """One boto3 client per backend, made on first use (clients are thread-safe)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config

                    config = Config(connect_timeout=3, read_timeout=10,
                                    retries={"max_attempts": 2, "mode": "standard"},
                                    s3={"addressing_style": "path"} if self.endpoint else None)
                    access_key, secret_key = self._credentials
                    self._client = boto3.client(
                        "s3", endpoint_url=self.endpoint, region_name=self.region,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                        config=config)
        return self._client

    def key_for(self, kind, owner_id, digest, suffix):
        """A key never used before, so deleting an old object cannot hit a new one."""
        return f"{kind}/{owner_id}/{digest}-{secrets.token_hex(6)}{suffix}"

    def object_name(self, key: str) -> str:
        return self.prefix + key

    def put(self, session, key, data, content_type):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self.object_name(key), Body=data,
                                   ContentType=content_type, CacheControl=IMMUTABLE)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable() from exc

    def get(self, session, key):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
            return found["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise StorageUnavailable() from exc
        except BotoCoreError as exc:  # no connection, a timeout
            raise StorageUnavailable() from exc

    def delete(self, session, keys):
        keys = list(keys)
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            answer = self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": self.object_name(k)} for k in batch], "Quiet": True})
            failed = [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if failed:
                raise RuntimeError(f"S3 refused to delete {len(failed)} object(s): "
                                   f"{failed[0].get('Code')} {failed[0].get('Message')}")
