import { Badge, Button, Group, Spoiler, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/errors";
import { searchKnowledge, type SearchQuery } from "../api/knowledge";
import type { SearchHit, SearchResult } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatScore } from "./labels";

export const maxQueryLength = 2000;
export const maxContextLength = 4000;

/** "Delivery terms · page 3 · passage 12". */
function useWhere(): (hit: SearchHit) => string {
  const { t } = useTranslation();
  return (hit) =>
    [
      hit.source.heading,
      hit.source.page !== null ? t("knowledge.page", { page: hit.source.page }) : null,
      t("retrieval.position", { position: hit.position }),
    ]
      .filter((part): part is string => part !== null && part !== "")
      .join(" · ");
}

function Hit({ hit, rank }: { hit: SearchHit; rank: number }) {
  const { t } = useTranslation();
  const where = useWhere();
  return (
    <li className="rx-hit" data-testid="search-hit" data-relevant={hit.relevant ? "true" : "false"} data-document-id={hit.source.documentId}>
      <Group justify="space-between" align="flex-start" gap="xs" wrap="nowrap">
        <div className="rx-min0">
          <Text size="sm" fw={600} className="rx-break">
            <span className="rx-hit-rank">{rank}.</span> {hit.source.fileName}
          </Text>
          <Text size="xs" c="dimmed" className="rx-break">
            {where(hit)}
          </Text>
        </div>
        <Badge color={hit.relevant ? "green" : "gray"} variant="light" size="sm" className="rx-no-shrink" data-testid="search-hit-relevant">
          {hit.relevant ? t("retrieval.relevant") : t("retrieval.notRelevant")}
        </Badge>
      </Group>
      <dl className="rx-scores" data-testid="search-hit-scores">
        <div>
          <dt>{t("retrieval.score")}</dt>
          <dd className="rx-mono" data-testid="search-hit-score">
            {formatScore(hit.score)}
          </dd>
        </div>
        <div>
          <dt>{t("retrieval.fullText")}</dt>
          <dd className="rx-mono">{formatScore(hit.scores.fullText)}</dd>
        </div>
        <div>
          <dt>{t("retrieval.trigram")}</dt>
          <dd className="rx-mono">{formatScore(hit.scores.trigram)}</dd>
        </div>
        <div>
          <dt>{t("retrieval.vector")}</dt>
          <dd className="rx-mono">{formatScore(hit.scores.vector)}</dd>
        </div>
      </dl>
      <Spoiler maxHeight={96} showLabel={t("retrieval.showAll")} hideLabel={t("retrieval.showLess")} transitionDuration={0}>
        <Text size="sm" className="rx-pre rx-break" data-testid="search-hit-text">
          {hit.text}
        </Text>
      </Spoiler>
    </li>
  );
}

export function RetrievalTest({ assistantId }: { assistantId: string }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [context, setContext] = useState("");
  const [k, setK] = useState("");
  // The last answer stays on screen while the next search runs.
  const [result, setResult] = useState<SearchResult | null>(null);
  const search = useMutation({
    mutationFn: (request: SearchQuery) => searchKnowledge(assistantId, request),
    onSuccess: setResult,
  });

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = query.trim();
    if (!text) return;
    const count = Number.parseInt(k, 10);
    search.mutate({ query: text, context: context.trim() || undefined, k: Number.isFinite(count) ? Math.min(50, Math.max(1, count)) : undefined });
  };

  const problem = search.error instanceof ApiError ? search.error : null;
  const fieldError = (field: string) => {
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  const relevant = result?.hits.filter((h) => h.relevant).length ?? 0;

  return (
    <Stack gap="md">
      <form onSubmit={submit} role="search" aria-label={t("retrieval.formLabel")} data-testid="search-form">
        <Stack gap="sm">
          <TextInput
            label={t("retrieval.query")}
            description={t("retrieval.queryHint")}
            value={query}
            onChange={(event) => setQuery(event.currentTarget.value)}
            maxLength={maxQueryLength}
            required
            error={fieldError("query")}
            data-testid="search-query"
          />
          <Textarea
            label={t("retrieval.context")}
            description={t("retrieval.contextHint")}
            value={context}
            onChange={(event) => setContext(event.currentTarget.value)}
            maxLength={maxContextLength}
            autosize
            minRows={2}
            maxRows={6}
            error={fieldError("context")}
            data-testid="search-context"
          />
          <Group align="flex-end" gap="sm" wrap="wrap">
            {/* A plain number field: Mantine's NumberInput brings a formatting library along for one small field. */}
            <TextInput
              type="number"
              inputMode="numeric"
              label={t("retrieval.k")}
              description={t("retrieval.kHint")}
              value={k}
              onChange={(event) => setK(event.currentTarget.value)}
              min={1}
              max={50}
              step={1}
              placeholder={t("retrieval.kDefault")}
              error={fieldError("k")}
              w={200}
              data-testid="search-k"
            />
            <Button type="submit" loading={search.isPending} disabled={!query.trim()} data-testid="search-submit">
              {t("retrieval.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
      {search.isError ? <ProblemAlert error={search.error} heading={t("retrieval.failed")} testId="search-error" /> : null}
      <div role="status" aria-live="polite" aria-atomic="true" data-testid="search-summary">
        {result ? (
          <Text size="sm" fw={600}>
            {result.hits.length === 0
              ? t("retrieval.nothing")
              : t("retrieval.summary", { n: result.hits.length, relevant })}
            <Text span size="sm" c="dimmed" fw={400}>
              {" · "}
              {result.embeddingModel ? t("retrieval.withVectors", { model: result.embeddingModel }) : t("retrieval.withoutVectors")}
            </Text>
          </Text>
        ) : null}
      </div>
      {result && result.hits.length > 0 ? (
        <ol className="rx-hits" aria-label={t("retrieval.results")} data-testid="search-hits" aria-busy={search.isPending ? "true" : "false"}>
          {result.hits.map((hit, index) => (
            <Hit key={`${hit.source.documentId}:${hit.position}`} hit={hit} rank={index + 1} />
          ))}
        </ol>
      ) : null}
    </Stack>
  );
}
