// Sending one file with a progress bar: how much went, of how much, whether it is under way and
// what went wrong. The page says where to and what to do with the answer.
import { computed, ref, type Ref } from "vue";
import { uploadWithProgress } from "../api/client";

/** Sends a file, reporting progress (`uploadWithProgress` by default). */
export type Sender = typeof uploadWithProgress;

/** An upload's state, and the send. */
export interface Upload {
  sent: Ref<number>;
  total: Ref<number>;
  uploading: Ref<boolean>;
  /** What went wrong (a page may set its own refusal here too). */
  error: Ref<unknown>;
  /** How much went, in whole percent. */
  percent: Readonly<Ref<number>>;
  /**
   * POSTs `file` to `path` as `type`; `then` sees the answer while the upload still counts as
   * under way (refreshing a list, say). Returns the answer, or null when something went wrong
   * (it is in `error`).
   */
  send: <T>(path: string, file: Blob, type: string, then?: (answer: T) => Promise<void> | void) => Promise<T | null>;
}

/** An upload, sent with `sender`. */
export function useUpload(sender: Sender = uploadWithProgress): Upload {
  const sent = ref(0);
  const total = ref(0);
  const uploading = ref(false);
  const error = ref<unknown>(null);
  const percent = computed(() => (total.value ? Math.round((sent.value / total.value) * 100) : 0));

  async function send<T>(path: string, file: Blob, type: string, then?: (answer: T) => Promise<void> | void): Promise<T | null> {
    error.value = null;
    uploading.value = true;
    sent.value = 0;
    total.value = file.size;
    try {
      const answer = (await sender("POST", path, file, type, (s, n) => {
        sent.value = s;
        total.value = n;
      })) as T;
      await then?.(answer);
      return answer;
    } catch (e) {
      error.value = e;
      return null;
    } finally {
      uploading.value = false;
    }
  }

  return { sent, total, uploading, error, percent, send };
}
