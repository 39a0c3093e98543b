import { expect, test } from "vitest";
import { useUpload, type Sender } from "./useUpload";

const file = new Blob(["a,b\n1,2\n"]);

test("an upload reports its progress and hands over the answer", async () => {
  const seen: number[] = [];
  let upload: ReturnType<typeof useUpload> | null = null;
  const sender: Sender = async (method, path, body, type, onProgress) => {
    expect([method, path, body, type]).toEqual(["POST", "/v1/x", file, "text/csv"]);
    expect(upload!.uploading.value).toBe(true);
    expect(upload!.total.value).toBe(file.size);
    onProgress(4, 8);
    seen.push(upload!.percent.value);
    onProgress(8, 8);
    seen.push(upload!.percent.value);
    return { name: "x", version: 1 };
  };
  upload = useUpload(sender);
  let then: unknown = null;
  const answer = await upload.send("/v1/x", file, "text/csv", (a) => {
    then = a;
    expect(upload!.uploading.value).toBe(true);
  });
  expect(answer).toEqual({ name: "x", version: 1 });
  expect(then).toEqual({ name: "x", version: 1 });
  expect(seen).toEqual([50, 100]);
  expect(upload.uploading.value).toBe(false);
  expect(upload.error.value).toBeNull();
});

test("a refused upload keeps its error and answers null", async () => {
  const refusal = new Error("too large");
  const upload = useUpload(async () => {
    throw refusal;
  });
  let called = false;
  expect(await upload.send("/v1/x", file, "text/csv", () => void (called = true))).toBeNull();
  expect(upload.error.value).toBe(refusal);
  expect(upload.uploading.value).toBe(false);
  expect(called).toBe(false);
});

test("a failure after the answer counts as the upload's", async () => {
  const upload = useUpload(async () => ({}));
  const failure = new Error("list failed");
  expect(
    await upload.send("/v1/x", file, "text/csv", () => {
      throw failure;
    }),
  ).toBeNull();
  expect(upload.error.value).toBe(failure);
});

test("a new upload starts with no error and no progress", async () => {
  let upload: ReturnType<typeof useUpload> | null = null;
  upload = useUpload(async () => {
    expect(upload!.error.value).toBeNull();
    expect(upload!.sent.value).toBe(0);
    return {};
  });
  upload.error.value = new Error("earlier");
  upload.sent.value = 5;
  await upload.send("/v1/x", file, "text/csv");
  expect(upload.percent.value).toBe(0);
});
