namespace ReplyX.Assistants;

/// <summary>
/// Every fixed text the customer (or an operator) reads, in Russian and English, chosen by the assistant's
/// language: one catalogue for the bot, the dialog and the assistant. An assistant's own texts (greeting,
/// fallback) win over the defaults.
/// </summary>
public static class ReplyTexts
{
    public static bool IsEnglish(AssistantSettings? settings) =>
        settings is not null && settings.Language.StartsWith("en", StringComparison.OrdinalIgnoreCase);

    /// <summary>The answer to /start.</summary>
    public static string Greeting(AssistantSettings? settings) =>
        settings?.Widget.Greeting is { Length: > 0 } greeting
            ? greeting
            : Pick(settings, "Hello! How can I help you?", "Здравствуйте! Чем могу помочь?");

    /// <summary>The answer to a photo, sticker or voice message.</summary>
    public static string TextOnly(AssistantSettings? settings) => Pick(settings,
        "Sorry, I can only read text messages. Please describe it in words.",
        "Извините, я понимаю только текстовые сообщения. Опишите, пожалуйста, словами.");

    /// <summary>What the assistant says when it cannot answer automatically: never a made-up answer.</summary>
    public static string Offline(AssistantSettings? settings) =>
        settings?.FallbackText is { Length: > 0 } text
            ? text
            : Pick(settings,
                "I can't answer automatically right now. An operator will reply to you shortly.",
                "Сейчас я не могу ответить автоматически. Оператор скоро вам ответит.");

    /// <summary>Appended once, after the assistant's configured number of AI turns.</summary>
    public static string OfferHuman(AssistantSettings? settings) => Pick(settings,
        "If you'd like to talk to a person, write \"operator\".",
        "Если хотите поговорить с человеком, напишите «оператор».");

    public static string ConnectingOperator(AssistantSettings? settings) => Pick(settings,
        "Connecting you to a human operator. Please wait.",
        "Соединяю вас с оператором. Пожалуйста, подождите.");

    /// <summary>A note in the history for operators: why the customer hears nothing.</summary>
    public static string CustomerUnreachable(AssistantSettings? settings, string refusal) =>
        refusal == Dialogs.DeliveryRefusals.Blocked
            ? Pick(settings, "The customer blocked the bot; messages are not delivered until they write again.",
                "Клиент заблокировал бота; сообщения не доставляются, пока он не напишет снова.")
            : Pick(settings, "The messenger refused a message: ", "Мессенджер отклонил сообщение: ") + refusal;

    /// <summary>Said when the assistant has documents but none answers the question (in the customer's language).</summary>
    public static string NotInDocuments(string language) => Pick(language,
        "I couldn't find an answer to this in our documents. If you'd like to talk to a person, write \"operator\".",
        "Я не нашёл ответа на этот вопрос в наших документах. Если хотите поговорить с человеком, напишите «оператор».");

    /// <summary>Introduces a passage quoted as it is, when no AI model can answer.</summary>
    public static string QuoteIntro(string language) => Pick(language,
        "Here is what our documents say (quoted as is):",
        "Вот что сказано в наших документах (цитата):");

    public static string PageAbbreviation(string language) => Pick(language, "p.", "с.");

    private static string Pick(AssistantSettings? settings, string english, string russian) => IsEnglish(settings) ? english : russian;

    private static string Pick(string language, string english, string russian) =>
        language.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? english : russian;
}
