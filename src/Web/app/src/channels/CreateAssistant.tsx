import { Button, Group, Paper, SegmentedControl, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api } from "../api/http";
import { ApiError } from "../api/errors";
import { ProblemAlert } from "../components/ProblemAlert";
import { currentLanguage } from "../i18n";
import { knowledgeKeys } from "../knowledge/queries";
import { assistantPath, navigate } from "../router";
import { useChannelsT } from "./i18n";

const maxName = 200;

/** A new assistant: its name and language; everything else starts from the server's defaults in the editor it opens. */
export function CreateAssistant({ first }: { first: boolean }) {
  const { t } = useChannelsT();
  const queries = useQueryClient();
  const [name, setName] = useState("");
  const [language, setLanguage] = useState<"ru" | "en">(currentLanguage());
  const [touched, setTouched] = useState(false);
  const create = useMutation({
    mutationFn: () => api<{ id: string }>("/api/assistants", { method: "POST", body: { name: name.trim(), language } }),
    onSuccess: async (created) => {
      await queries.invalidateQueries({ queryKey: knowledgeKeys.assistants });
      navigate(assistantPath(created.id));
    },
  });
  const problem = create.error instanceof ApiError ? create.error : null;
  const localError = !name.trim() ? t("assistantCreate.nameRequired") : name.trim().length > maxName ? t("assistantCreate.nameTooLong", { max: maxName }) : undefined;
  const serverNameErrors = problem?.fieldErrors("name") ?? [];
  const nameError = (touched ? localError : undefined) ?? (serverNameErrors.length > 0 ? serverNameErrors.join(" ") : undefined);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!localError) create.mutate();
  };
  return (
    <Paper component="section" withBorder radius="md" p="md" aria-labelledby="assistant-create-title" data-testid="assistant-create-section">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <div>
            <Title order={2} size="h4" id="assistant-create-title">
              {t("assistantCreate.title")}
            </Title>
            <Text size="sm" c="dimmed">
              {first ? t("assistantCreate.firstText") : t("assistantCreate.text")}
            </Text>
          </div>
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label={t("assistantCreate.name")}
              placeholder={t("assistantCreate.namePlaceholder")}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              onBlur={() => setTouched(true)}
              error={nameError}
              required
              maxLength={maxName + 1}
              className="rx-grow"
              data-testid="assistant-create-name"
            />
            <div>
              <Text component="span" size="sm" fw={500} id="assistant-create-language-label" display="block" mb={4}>
                {t("assistantCreate.language")}
              </Text>
              <SegmentedControl
                value={language}
                onChange={(value) => setLanguage(value === "en" ? "en" : "ru")}
                data={[
                  { value: "ru", label: t("documents.languages.ru") },
                  { value: "en", label: t("documents.languages.en") },
                ]}
                aria-labelledby="assistant-create-language-label"
                data-testid="assistant-create-language"
              />
            </div>
            <Button type="submit" loading={create.isPending} data-testid="assistant-create">
              {t("assistantCreate.submit")}
            </Button>
          </Group>
          {create.isError && serverNameErrors.length === 0 ? (
            <ProblemAlert error={create.error} heading={t("assistantCreate.failed")} testId="assistant-create-error" onClose={() => create.reset()} />
          ) : null}
        </Stack>
      </form>
    </Paper>
  );
}
