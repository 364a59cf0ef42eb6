using Microsoft.AspNetCore.Http.HttpResults;

namespace ReplyX.Api.Validation;

/// <summary>The <c>?from=&amp;to=</c> day range of the reports: UTC days, both inclusive, by default the last 30 days.</summary>
public static class DayRange
{
    public const int DefaultDays = 30;

    /// <summary>The longest range a report covers.</summary>
    public const int MaxDays = 366;

    /// <summary>The range asked for, or the validation problem that says why it cannot be served.</summary>
    public static ValidationProblem? Read(DateOnly? from, DateOnly? to, TimeProvider time, out DateOnly first, out DateOnly last)
    {
        last = to ?? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        first = from ?? last.AddDays(1 - DefaultDays);
        return last < first || last.DayNumber - first.DayNumber >= MaxDays
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = [$"from must not be after to, and the range at most {MaxDays} days."] })
            : null;
    }
}
