using ReplyX.Hosting;
using ReplyX.Security;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.Enums;

namespace ReplyX.Bots;

/// <summary>
/// One bot's token, decrypted once per activation or token change (Data Protection is too costly for every
/// Bot API call), and its clients from the shared <see cref="TelegramClients"/>.
/// </summary>
public sealed class BotClients(TelegramClients clients, ISecretProtector secrets)
{
    private string? _encrypted;
    private string? _token;
    private TelegramBotClient? _calls;
    private TelegramBotClient? _poller;
    private TelegramBotClient? _actions;

    /// <summary>The token to use from now on; a different one drops the old token's clients.</summary>
    public void Use(string? encryptedToken)
    {
        if (encryptedToken != _encrypted)
        {
            Forget();
            _encrypted = encryptedToken;
        }
    }

    public TelegramBotClient Calls => _calls ??= clients.For(Token);

    public TelegramBotClient Poller => _poller ??= clients.Poller(Token);

    public TelegramBotClient Actions => _actions ??= clients.Actions(Token);

    /// <summary>Asks Telegram to push this bot's messages to <paramref name="url"/>, signed with <paramref name="secret"/>.</summary>
    public Task SetWebhook(string url, string secret, CancellationToken cancellationToken) =>
        Calls.SetWebhook(url, secretToken: secret, allowedUpdates: [UpdateType.Message], cancellationToken: cancellationToken);

    /// <summary>Stops webhook delivery; null when done, else why it failed (the bot is stopped anyway).</summary>
    public async Task<string?> DeleteWebhook()
    {
        try
        {
            await Calls.DeleteWebhook();
            return null;
        }
        catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException)
        {
            return Errors.Describe(ex);
        }
    }

    private string Token => _token ??= secrets.Unprotect(_encrypted ?? throw new InvalidOperationException("The bot has no token."));

    /// <summary>After rotation or deletion the old token's clients leave the shared cache.</summary>
    public void Forget()
    {
        if (_token is not null)
        {
            clients.Forget(_token);
        }
        _calls = _poller = _actions = null;
        _token = null;
    }
}
