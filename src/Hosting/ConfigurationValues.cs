using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>
/// Checks the raw values of a configuration section against the property types of an options class, before
/// the configuration binder sees them. The binder stops at the first value it cannot convert with an
/// <see cref="InvalidOperationException"/>; this check names every such key instead. It also refuses what the
/// binder would let through for an enum: a number (<c>Storage:Provider=1</c>), an undefined value or a
/// combination of names. Enum names are matched case-insensitively, like the binder does.
/// </summary>
public static class ConfigurationValues
{
    private const int MaxDepth = 8;

    public static IReadOnlyList<string> Check(Type optionsType, IConfigurationSection section)
    {
        var errors = new List<string>();
        CheckObject(optionsType, section, errors, 0);
        return errors;
    }

    private static void CheckObject(Type type, IConfigurationSection section, List<string> errors, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
            {
                continue;
            }
            var name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            var settable = property.SetMethod is { IsPublic: true };
            CheckValue(property.PropertyType, section.GetSection(name), settable, errors, depth);
        }
    }

    private static void CheckValue(Type type, IConfigurationSection section, bool settable, List<string> errors, int depth)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string) || target == typeof(object))
        {
            return;
        }
        if (IsScalar(target))
        {
            // The binder ignores scalar properties it cannot set, so their values are not checked either.
            if (settable && section.Value is { } raw && Refusal(type, target, raw) is { } expected)
            {
                errors.Add($"{section.Path} is '{raw}'; expected {expected}.");
            }
            return;
        }
        if (ElementType(target) is { } elementType)
        {
            foreach (var item in section.GetChildren())
            {
                CheckValue(elementType, item, settable: true, errors, depth + 1);
            }
            return;
        }
        if (target.IsClass)
        {
            CheckObject(target, section, errors, depth + 1);
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsEnum || type.IsPrimitive || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTime)
        || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri) || type == typeof(DateOnly) || type == typeof(TimeOnly);

    /// <summary>The element type of an array, list or dictionary with string keys, which the binder fills child by child.</summary>
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        if (!type.IsGenericType)
        {
            return null;
        }
        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        if (arguments.Length == 2 && arguments[0] == typeof(string)
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
        {
            return arguments[1];
        }
        if (arguments.Length == 1
            && (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(ICollection<>)
                || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>)
                || definition == typeof(HashSet<>) || definition == typeof(ISet<>)))
        {
            return arguments[0];
        }
        return null;
    }

    /// <summary>What the value should have looked like, or null when the binder will convert it.</summary>
    private static string? Refusal(Type declared, Type target, string raw)
    {
        // An empty value for a nullable property binds as null.
        if (declared != target && raw.Length == 0)
        {
            return null;
        }
        object? value;
        try
        {
            // The converter the binder itself uses, so whatever passes here also binds.
            value = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(raw);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException
            || ex.InnerException is FormatException or ArgumentException or OverflowException)
        {
            return Expected(target);
        }
        if (target.IsEnum)
        {
            var text = raw.Trim();
            var isName = text.Length > 0 && (char.IsLetter(text[0]) || text[0] == '_') && !text.Contains(',', StringComparison.Ordinal);
            if (!isName || value is null || !Enum.IsDefined(target, value))
            {
                return Expected(target);
            }
        }
        return null;
    }

    private static string Expected(Type type) => type switch
    {
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a time span such as 00:00:30",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
            || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte) => "a whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ => "a " + type.Name,
    };
}

/// <summary>
/// Runs <see cref="ConfigurationValues.Check"/> on the options' section just before the binder does (it is
/// registered first), so a value the binder cannot convert fails start-up like any other validation: with an
/// <see cref="OptionsValidationException"/> naming every such key, not with the binder's first exception.
/// </summary>
internal sealed class ConfigurationValueCheck<TOptions>(IConfiguration configuration, string section) : IConfigureOptions<TOptions>
    where TOptions : class
{
    public void Configure(TOptions options)
    {
        var errors = ConfigurationValues.Check(typeof(TOptions), configuration.GetSection(section));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), errors);
        }
    }
}
