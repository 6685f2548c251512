// Drives assetport's ROMA door with the official Huawei Cloud Go SDK
// (github.com/huaweicloud/huaweicloud-sdk-go-v3, services/roma/v2): export, job status,
// archive download, import (the SDK's own multipart form) and delete, each signed by the
// SDK's own AK/SK signer. Prints one JSON object per step; exits non-zero on the first
// unexpected answer. Built in a module that requires the SDK (docs/roma.md) and run by
// test/roma/roma-sdk-live.test.ts when ROMA_GO_SDK_FLOW names the binary.
//
// Environment: ENDPOINT, AK, SK, PROJECT_ID, SOURCE_INSTANCE, TARGET_INSTANCE, APP_ID,
// TASK_ID, WORK_DIR (where the downloaded archive is written).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	roma "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/roma/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/roma/v2/model"
)

func say(step string, fields map[string]interface{}) {
	fields["step"] = step
	b, _ := json.Marshal(fields)
	fmt.Println(string(b))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	env := os.Getenv
	cred, err := basic.NewCredentialsBuilder().WithAk(env("AK")).WithSk(env("SK")).WithProjectId(env("PROJECT_ID")).SafeBuild()
	must(err)
	hc, err := roma.RomaClientBuilder().WithEndpoints([]string{env("ENDPOINT")}).WithCredential(cred).SafeBuild()
	must(err)
	client := roma.NewRomaClient(hc)
	source, target := env("SOURCE_INSTANCE"), env("TARGET_INSTANCE")

	wait := func(instance, jobID string) map[string]interface{} {
		for i := 0; i < 1200; i++ {
			job, err := client.CheckAssetJobStatus(&model.CheckAssetJobStatusRequest{InstanceId: instance, JobId: jobID})
			must(err)
			if job.Status.Value() != "RUNNING" {
				reasons := []map[string]string{}
				if job.Reasons != nil {
					for _, r := range *job.Reasons {
						reasons = append(reasons, map[string]string{"resource_name": *r.ResourceName, "error_code": *r.ErrorCode})
					}
				}
				out := map[string]interface{}{"type": job.Type.Value(), "status": job.Status.Value(), "progress": *job.ProgressPercent, "reasons": reasons}
				if job.ArchiveId != nil {
					out["archive_id"] = *job.ArchiveId
				}
				return out
			}
			time.Sleep(50 * time.Millisecond)
		}
		must(fmt.Errorf("job %s did not end", jobID))
		return nil
	}

	str := func(v string) *string { return &v }
	tasks := []model.AssetExportRequestTasks{{Id: str(env("TASK_ID"))}}
	exported, err := client.ExportAsset(&model.ExportAssetRequest{InstanceId: source, Body: &model.AssetExportRequest{Apps: []model.AssetExportRequestApps{{Id: str(env("APP_ID"))}}, Tasks: &tasks}})
	must(err)
	say("export", map[string]interface{}{"status": exported.HttpStatusCode, "job_id": *exported.JobId})
	job := wait(source, *exported.JobId)
	say("export_job", job)

	archive := filepath.Join(env("WORK_DIR"), "dev_assets.zip")
	download, err := client.DownloadAssetArchive(&model.DownloadAssetArchiveRequest{InstanceId: source, ArchiveId: job["archive_id"].(string)})
	must(err)
	out, err := os.Create(archive)
	must(err)
	n, err := download.Consume(out)
	must(err)
	must(out.Close())
	say("archive", map[string]interface{}{"status": download.HttpStatusCode, "bytes": n})

	importOnce := func() string {
		f, err := os.Open(archive)
		must(err)
		defer f.Close()
		imported, err := client.ImportAsset(&model.ImportAssetRequest{InstanceId: target, Body: &model.ImportAssetRequestBody{ImportAssetRequestBody: def.NewFilePart(f)}})
		must(err)
		say("import", map[string]interface{}{"status": imported.HttpStatusCode, "job_id": *imported.JobId})
		return *imported.JobId
	}
	say("import_job", wait(target, importOnce()))
	say("import_again_job", wait(target, importOnce()))

	_, err = client.CheckAssetJobStatus(&model.CheckAssetJobStatusRequest{InstanceId: target, JobId: "00000000000000000000000000000000"})
	if e, ok := err.(*sdkerr.ServiceResponseError); ok {
		say("missing_job", map[string]interface{}{"answer": map[string]interface{}{"status": e.StatusCode, "error_code": e.ErrorCode}})
	} else {
		say("missing_job", map[string]interface{}{"answer": nil})
	}

	deleted, err := client.DeleteAsset(&model.DeleteAssetRequest{InstanceId: source, Body: &model.AssetOperateRequest{Apps: []model.AssetExportRequestApps{{Id: str(env("APP_ID"))}}, Tasks: []model.AssetExportRequestTasks{}}})
	must(err)
	say("delete", map[string]interface{}{"status": deleted.HttpStatusCode, "job_id": *deleted.JobId})
	say("delete_job", wait(source, *deleted.JobId))
}
