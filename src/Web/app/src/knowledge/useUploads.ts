// The page's uploads, one file at a time: new documents (POST) and replacements of one (PUT). Each shows
// how much of it has been sent; once the server answers 202 the document is in the list (processing) and
// the upload is gone from here. A refused one stays with the server's words until it is dismissed or retried.

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { replaceDocument, uploadDocument } from "../api/knowledge";
import { uuid } from "../api/http";
import type { KnowledgeDocument } from "../api/types";
import { knowledgeKeys, storeDocument } from "./queries";

export type UploadPhase = "queued" | "sending" | "checking" | "failed";

export interface Upload {
  key: string;
  fileName: string;
  sizeBytes: number;
  /** The document it replaces; null for a new one. */
  documentId: string | null;
  /** 0 to 1 of the file sent. */
  progress: number;
  phase: UploadPhase;
  error: unknown;
}

interface Job {
  key: string;
  file: File;
  documentId: string | null;
  abort: AbortController;
}

export interface Uploads {
  uploads: Upload[];
  add: (files: readonly File[]) => void;
  replace: (documentId: string, file: File) => void;
  cancel: (key: string) => void;
  retry: (key: string) => void;
  dismiss: (key: string) => void;
}

export function useUploads(assistantId: string, onUploaded?: (document: KnowledgeDocument, replaced: boolean) => void): Uploads {
  const client = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const jobs = useRef(new Map<string, Job>());
  const queue = useRef<string[]>([]);
  const running = useRef(false);
  const latest = useRef(onUploaded);
  useEffect(() => {
    latest.current = onUploaded;
  });

  const update = useCallback((key: string, change: Partial<Upload>) => {
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));
  }, []);

  const run = useCallback(
    async (job: Job) => {
      update(job.key, { phase: "sending", progress: 0, error: null });
      let shown = 0;
      const onProgress = (fraction: number) => {
        // A render per whole percent is plenty.
        const step = Math.floor(fraction * 100);
        if (step === shown && fraction < 1) return;
        shown = step;
        update(job.key, fraction >= 1 ? { progress: 1, phase: "checking" } : { progress: fraction });
      };
      try {
        const options = { onProgress, signal: job.abort.signal };
        const document = job.documentId
          ? await replaceDocument(job.documentId, job.file, options)
          : await uploadDocument(assistantId, job.file, options);
        jobs.current.delete(job.key);
        setUploads((list) => list.filter((u) => u.key !== job.key));
        storeDocument(client, document);
        void client.invalidateQueries({ queryKey: knowledgeKeys.documents(assistantId) });
        latest.current?.(document, job.documentId !== null);
      } catch (error) {
        if (error instanceof DOMException && error.name === "AbortError") {
          jobs.current.delete(job.key);
          setUploads((list) => list.filter((u) => u.key !== job.key));
          return;
        }
        update(job.key, { phase: "failed", error });
      }
    },
    [assistantId, client, update],
  );

  const pump = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    try {
      for (let key = queue.current.shift(); key !== undefined; key = queue.current.shift()) {
        const job = jobs.current.get(key);
        if (job && !job.abort.signal.aborted) await run(job);
      }
    } finally {
      running.current = false;
    }
  }, [run]);

  const enqueue = useCallback(
    (entries: { file: File; documentId: string | null }[]) => {
      const added: Upload[] = entries.map(({ file, documentId }) => {
        const key = uuid();
        jobs.current.set(key, { key, file, documentId, abort: new AbortController() });
        queue.current.push(key);
        return { key, fileName: file.name, sizeBytes: file.size, documentId, progress: 0, phase: "queued", error: null };
      });
      setUploads((list) => [...list, ...added]);
      void pump();
    },
    [pump],
  );

  const add = useCallback((files: readonly File[]) => enqueue(files.map((file) => ({ file, documentId: null }))), [enqueue]);
  const replace = useCallback((documentId: string, file: File) => enqueue([{ file, documentId }]), [enqueue]);

  const dismiss = useCallback((key: string) => {
    jobs.current.delete(key);
    setUploads((list) => list.filter((u) => u.key !== key));
  }, []);

  const cancel = useCallback((key: string) => {
    const job = jobs.current.get(key);
    queue.current = queue.current.filter((k) => k !== key);
    jobs.current.delete(key);
    setUploads((list) => list.filter((u) => u.key !== key));
    job?.abort.abort();
  }, []);

  const retry = useCallback(
    (key: string) => {
      const job = jobs.current.get(key);
      if (!job) return;
      jobs.current.set(key, { ...job, abort: new AbortController() });
      queue.current.push(key);
      update(key, { phase: "queued", progress: 0, error: null });
      void pump();
    },
    [pump, update],
  );

  // Leaving the page stops what is still being sent.
  useEffect(() => {
    const current = jobs.current;
    return () => {
      for (const job of current.values()) job.abort.abort();
      current.clear();
    };
  }, []);

  return { uploads, add, replace, cancel, retry, dismiss };
}
