"""
Drives assetport's ROMA door with the official Huawei Cloud Python SDK
(huaweicloudsdkcore + huaweicloudsdkroma, read from a checkout of
huaweicloud-sdk-python-v3 whose path is HUAWEICLOUD_SDK_PYTHON): export, job status,
archive download, import (the SDK's own multipart form) and delete, each signed by the
SDK's own AK/SK signer. Prints one JSON object per step; exits non-zero on the first
unexpected answer. Run by test/roma/roma-python-sdk.test.ts.

Environment: HUAWEICLOUD_SDK_PYTHON, ENDPOINT, AK, SK, PROJECT_ID, SOURCE_INSTANCE,
TARGET_INSTANCE, APP_ID, TASK_ID, WORK_DIR (where the downloaded archive is written).
"""
import json
import os
import sys
import time

sdk = os.environ["HUAWEICLOUD_SDK_PYTHON"]
sys.path[:0] = [os.path.join(sdk, "huaweicloud-sdk-core"), os.path.join(sdk, "huaweicloud-sdk-roma")]

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException  # noqa: E402
from huaweicloudsdkcore.http.formdata import FormFile  # noqa: E402
from huaweicloudsdkroma.v2 import (  # noqa: E402
    AssetExportRequest, AssetExportRequestApps, AssetExportRequestTasks, AssetOperateRequest,
    CheckAssetJobStatusRequest, DeleteAssetRequest, DownloadAssetArchiveRequest, ExportAssetRequest,
    ImportAssetRequest, ImportAssetRequestBody, RomaClient,
)

env = os.environ
credentials = BasicCredentials(env["AK"], env["SK"], env["PROJECT_ID"])
client = RomaClient.new_builder().with_credentials(credentials).with_endpoint(env["ENDPOINT"]).build()


def say(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def wait(instance, job_id):
    for _ in range(1200):
        job = client.check_asset_job_status(CheckAssetJobStatusRequest(instance_id=instance, job_id=job_id))
        if job.status != "RUNNING":
            return job
        time.sleep(0.05)
    raise RuntimeError("job %s did not end" % job_id)


def job_fields(job):
    reasons = [{"resource_name": r.resource_name, "error_code": r.error_code} for r in (job.reasons or [])]
    return {"type": job.type, "status": job.status, "progress": float(job.progress_percent), "reasons": reasons}


source, target = env["SOURCE_INSTANCE"], env["TARGET_INSTANCE"]

body = AssetExportRequest(apps=[AssetExportRequestApps(id=env["APP_ID"])], tasks=[AssetExportRequestTasks(id=env["TASK_ID"])])
exported = client.export_asset(ExportAssetRequest(instance_id=source, body=body))
say("export", status=exported.status_code, job_id=exported.job_id)
job = wait(source, exported.job_id)
say("export_job", archive_id=job.archive_id, **job_fields(job))

archive = os.path.join(env["WORK_DIR"], "dev_assets.zip")
download = client.download_asset_archive(DownloadAssetArchiveRequest(instance_id=source, archive_id=job.archive_id))
with open(archive, "wb") as out:
    download.consume_download_stream(lambda stream: out.write(stream.content))
say("archive", status=download.status_code, bytes=os.path.getsize(archive))

form = ImportAssetRequestBody(import_asset_request_body=FormFile(archive))
imported = client.import_asset(ImportAssetRequest(instance_id=target, body=form))
say("import", status=imported.status_code, job_id=imported.job_id)
say("import_job", **job_fields(wait(target, imported.job_id)))

again = client.import_asset(ImportAssetRequest(instance_id=target, body=ImportAssetRequestBody(import_asset_request_body=FormFile(archive))))
say("import_again_job", **job_fields(wait(target, again.job_id)))

try:
    client.check_asset_job_status(CheckAssetJobStatusRequest(instance_id=target, job_id="0" * 32))
    missing = None
except ServiceResponseException as e:
    missing = {"status": e.status_code, "error_code": e.error_code}
say("missing_job", answer=missing)

ops = AssetOperateRequest(apps=[AssetExportRequestApps(id=env["APP_ID"])], tasks=[])
deleted = client.delete_asset(DeleteAssetRequest(instance_id=source, body=ops))
say("delete", status=deleted.status_code, job_id=deleted.job_id)
say("delete_job", **job_fields(wait(source, deleted.job_id)))
