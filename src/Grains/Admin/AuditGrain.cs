using Orleans.Concurrency;

namespace ReplyX.Admin;

[GrainType("audit"), StatelessWorker]
public sealed class AuditGrain(IAuditStore store) : Grain, IAuditGrain
{
    public Task Record(AuditRecord record) => store.Append(record);

    public Task<IReadOnlyList<AuditRecord>> Query(AuditQuery query) => store.Query(query);
}
