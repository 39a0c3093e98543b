// Hands the browser bytes to save as a file, the way a download link would.

/** Saves `blob` under `filename` through a temporary object URL. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has started the download by the next tick; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
