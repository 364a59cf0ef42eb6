import type { CSSProperties } from "react";
import { useChannelsT } from "./i18n";
import type { WidgetPosition } from "../api/channels";
import { colorPattern, contrastColor, widgetDefaultColor } from "./colors";

interface Props {
  title: string;
  greeting: string;
  color: string;
  position: WidgetPosition;
  /** The widget's language (its texts follow the site's page; the assistant's language without one). */
  language: string;
}

// The widget's own texts (src/Web/widget/src/i18n.ts), in the languages it has.
const widgetTexts = {
  en: { title: "Chat", placeholder: "Write a message…", send: "Send", human: "Talk to a person" },
  ru: { title: "Чат", placeholder: "Напишите сообщение…", send: "Отправить", human: "Позвать человека" },
} as const;

function ChatIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M21 11.5a8.4 8.4 0 0 1-9 8.4 8.9 8.9 0 0 1-4-.9L3 20l1.1-4.3A8 8 0 0 1 3 11.5 8.4 8.4 0 0 1 12 3a8.4 8.4 0 0 1 9 8.5z" />
    </svg>
  );
}

function CloseIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true">
      <path d="M18 6 6 18" />
      <path d="M6 6l12 12" />
    </svg>
  );
}

/**
 * The site widget as a visitor sees it, open, with the launcher under it: the same shapes and colours as
 * the real one (its accent and the text colour it picks on it), drawn here rather than loaded, so that it
 * follows the form as it is typed. A picture: nothing in it can be focused or used.
 */
export function WidgetPreview({ title, greeting, color, position, language }: Props) {
  const { t } = useChannelsT();
  const accent = colorPattern.test(color) ? color : widgetDefaultColor;
  const onAccent = contrastColor(accent);
  const texts = language === "ru" ? widgetTexts.ru : widgetTexts.en;
  const side = position === "bottom-left" ? "left" : "right";
  return (
    <figure className="rx-wp" data-testid="widget-preview" data-position={position} data-color={accent}>
      <div
        className="rx-wp-stage"
        data-position={side}
        style={{ "--rx-wp-accent": accent, "--rx-wp-on-accent": onAccent } as CSSProperties}
      >
        <div className="rx-wp-page" aria-hidden="true">
          <span />
          <span />
          <span />
        </div>
        <div className="rx-wp-root">
          <div className="rx-wp-panel">
            <div className="rx-wp-header">
              <span className="rx-wp-title">{title.trim() || texts.title}</span>
              <span className="rx-wp-icon">
                <CloseIcon />
              </span>
            </div>
            <div className="rx-wp-log">
              {greeting.trim() ? (
                <div className="rx-wp-msg" data-testid="widget-preview-greeting">
                  {greeting}
                </div>
              ) : (
                <div className="rx-wp-notice">{t("widgetLook.previewNoGreeting")}</div>
              )}
            </div>
            <div className="rx-wp-footer">
              <span className="rx-wp-link">{texts.human}</span>
              <div className="rx-wp-row">
                <span className="rx-wp-input">{texts.placeholder}</span>
                <span className="rx-wp-send">{texts.send}</span>
              </div>
            </div>
          </div>
          <div className="rx-wp-launcher" data-testid="widget-preview-launcher">
            <ChatIcon />
          </div>
        </div>
      </div>
      <figcaption className="rx-wp-caption">
        {t("widgetLook.previewCaption", { position: t(`widgetLook.positions.${position}`), color: accent })}
      </figcaption>
    </figure>
  );
}
