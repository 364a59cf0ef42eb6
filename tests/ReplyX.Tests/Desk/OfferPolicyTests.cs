using ReplyX.Desk;

namespace ReplyX.Tests.Desk;

public sealed class OfferPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Guid Anna = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid Boris = new("00000000-0000-0000-0000-00000000000b");

    [Fact]
    public void The_oldest_waiting_dialog_goes_to_the_least_busy_operator_and_nobody_gets_more_than_the_limit()
    {
        var older = new WaitingDialog(Guid.NewGuid(), T0);
        var newer = new WaitingDialog(Guid.NewGuid(), T0.AddSeconds(5));
        var third = new WaitingDialog(Guid.NewGuid(), T0.AddSeconds(9));
        var fourth = new WaitingDialog(Guid.NewGuid(), T0.AddSeconds(9.5));

        var offers = OfferPolicy.Next([newer, fourth, third, older], new Dictionary<Guid, int> { [Anna] = 2, [Boris] = 1 }, limit: 3, Timeout, T0.AddSeconds(10));

        // Boris (1) gets the oldest; then both have 2 and Anna wins the tie by id; Boris takes the third; then both are at the limit.
        Assert.Equal([(older.Id, Boris), (newer.Id, Anna), (third.Id, Boris)], offers);
        Assert.Null(fourth.OfferedTo);
    }

    [Fact]
    public void An_offer_stands_until_the_timeout_then_goes_to_someone_else()
    {
        var dialog = new WaitingDialog(Guid.NewGuid(), T0);
        var loads = new Dictionary<Guid, int> { [Anna] = 0, [Boris] = 1 };
        Assert.Equal([(dialog.Id, Anna)], OfferPolicy.Next([dialog], loads, 5, Timeout, T0));

        Assert.Empty(OfferPolicy.Next([dialog], loads, 5, Timeout, T0 + Timeout - TimeSpan.FromSeconds(1)));

        // Anna let it run out: Boris is asked, although he is busier.
        Assert.Equal([(dialog.Id, Boris)], OfferPolicy.Next([dialog], loads, 5, Timeout, T0 + Timeout));
        // Boris lets it run out too: with both declined, the least busy is asked again.
        Assert.Equal([(dialog.Id, Anna)], OfferPolicy.Next([dialog], loads, 5, Timeout, T0 + Timeout * 2));
    }

    [Fact]
    public void An_offer_to_an_operator_who_went_offline_is_made_again_at_once()
    {
        var dialog = new WaitingDialog(Guid.NewGuid(), T0);
        OfferPolicy.Next([dialog], new Dictionary<Guid, int> { [Anna] = 0 }, 5, Timeout, T0);

        var offers = OfferPolicy.Next([dialog], new Dictionary<Guid, int> { [Boris] = 3 }, 5, Timeout, T0.AddSeconds(1));

        Assert.Equal([(dialog.Id, Boris)], offers);
    }

    [Fact]
    public void Nothing_is_offered_when_nobody_is_online()
    {
        var dialog = new WaitingDialog(Guid.NewGuid(), T0);
        Assert.Empty(OfferPolicy.Next([dialog], new Dictionary<Guid, int>(), 5, Timeout, T0));
        Assert.Null(dialog.OfferedTo);
    }
}
