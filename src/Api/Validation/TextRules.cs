using System.Net.Mail;
using System.Text.Json;
using FluentValidation;

namespace ReplyX.Api.Validation;

/// <summary>
/// What text the API accepts. No field takes a control character other than tab, line feed and carriage
/// return (PostgreSQL refuses U+0000 in text, so such a row would fail later); single-line fields (names,
/// emails, model names, keys, ids) take none at all. One email rule serves every endpoint that takes one.
/// </summary>
public static class TextRules
{
    public const string SingleLineMessage = "Must be one line without control characters.";

    public static IRuleBuilderOptions<T, string?> SingleLine<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(v => v is null || !v.Any(char.IsControl)).WithMessage(SingleLineMessage);

    public static IRuleBuilderOptions<T, string[]?> SingleLineItems<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(v => v is null || v.All(x => x is null || !x.Any(char.IsControl))).WithMessage("Each item " + SingleLineMessage.ToLowerInvariant());

    public static IRuleBuilderOptions<T, string?> Email<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(320).Must(v => v is null || (!v.Any(char.IsControl) && IsEmail(v.Trim())))
            .WithMessage("Not a valid email address (name@example.com).");

    /// <summary>
    /// One address (surrounding spaces are trimmed before), nothing around it: no display name, comments, whitespace or control characters, a dot-
    /// separated domain with no empty label and no trailing dot.
    /// </summary>
    public static bool IsEmail(string email)
    {
        if (email.Length == 0 || email.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || email.Count(c => c == '@') != 1)
        {
            return false;
        }
        var domain = email[(email.IndexOf('@') + 1)..];
        return MailAddress.TryCreate(email, out var parsed) && parsed.Address == email && parsed.DisplayName.Length == 0
            && domain.Contains('.') && domain.Split('.').All(label => label.Length > 0) && !email.StartsWith('@');
    }

    /// <summary>Every string in <paramref name="body"/> (nested objects and arrays too) holding a control character other than tab, LF or CR, by JSON path.</summary>
    public static IReadOnlyList<string> WithControlCharacters(object body)
    {
        var found = new List<string>();
        Walk(JsonSerializer.SerializeToElement(body, body.GetType(), JsonSerializerOptions.Web), "", found);
        return found;
    }

    private static void Walk(JsonElement element, string path, List<string> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when element.GetString()!.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r')):
                found.Add(path);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", found);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", found);
                }
                break;
        }
    }
}
