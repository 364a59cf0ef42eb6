// The widget speaks the page's language: <html lang="ru…"> gives Russian, anything else English
// (or, without a lang attribute, the assistant's language from its config).

const en = {
  open: "Open the chat",
  close: "Close the chat",
  title: "Chat",
  input: "Your message",
  placeholder: "Write a message…",
  send: "Send",
  you: "You",
  assistant: "Assistant",
  operator: "Operator",
  system: "Notice",
  typing: "Assistant is typing",
  human: "Talk to a person",
  humanAsked: "We have asked a person to join. Please stay in the chat.",
  operatorJoined: "An operator has joined the chat.",
  backToAi: "The assistant is answering again.",
  offline: "No connection. Reconnecting…",
  failed: "Not sent.",
  retry: "Try again",
  soundOn: "Turn sound on",
  soundOff: "Turn sound off",
  closed: "The conversation has ended.",
  rate: "How did we do?",
  star: "{n} of 5",
  comment: "Comment (optional)",
  submitRating: "Send rating",
  thanks: "Thank you for the rating!",
  newChat: "Start a new conversation",
  unread: "{n} unread",
  error: "Something went wrong. Try again later.",
};

export type Texts = typeof en;

const ru: Texts = {
  open: "Открыть чат",
  close: "Закрыть чат",
  title: "Чат",
  input: "Ваше сообщение",
  placeholder: "Напишите сообщение…",
  send: "Отправить",
  you: "Вы",
  assistant: "Ассистент",
  operator: "Оператор",
  system: "Сообщение",
  typing: "Ассистент печатает",
  human: "Позвать человека",
  humanAsked: "Мы позвали оператора. Пожалуйста, не закрывайте чат.",
  operatorJoined: "К чату подключился оператор.",
  backToAi: "Снова отвечает ассистент.",
  offline: "Нет связи. Переподключаемся…",
  failed: "Не отправлено.",
  retry: "Повторить",
  soundOn: "Включить звук",
  soundOff: "Выключить звук",
  closed: "Разговор завершён.",
  rate: "Оцените, пожалуйста, разговор",
  star: "{n} из 5",
  comment: "Комментарий (необязательно)",
  submitRating: "Отправить оценку",
  thanks: "Спасибо за оценку!",
  newChat: "Начать новый разговор",
  unread: "Непрочитанных: {n}",
  error: "Что-то пошло не так. Попробуйте позже.",
};

export function pickTexts(pageLang: string, fallback: string | null | undefined): Texts {
  const lang = (pageLang !== "" ? pageLang : (fallback ?? "en")).toLowerCase();
  return lang.startsWith("ru") ? ru : en;
}

export function format(text: string, n: number): string {
  return text.replace("{n}", String(n));
}
