using Npgsql;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.IntegrationTests.ServiceDefaults;

/// <summary>Linux nice values of threads, read back from /proc as ps and top show them.</summary>
public sealed class CpuPriorityTests
{
    [Fact]
    public void A_thread_set_below_normal_priority_passes_it_to_the_threads_it_starts_and_leaves_the_others_alone()
    {
        int? own = null, started = null;
        var thread = new Thread(() =>
        {
            Assert.True(CpuPriority.OfCurrentThread(7));
            own = ThreadPriorities.OfCurrentThread();
            var child = new Thread(() => started = ThreadPriorities.OfCurrentThread());
            child.Start();
            child.Join();
        });
        thread.Start();
        thread.Join();

        Assert.Equal(7, own);
        Assert.Equal(7, started);
        Assert.Equal(0, ThreadPriorities.OfCurrentThread());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(20)]
    public void A_value_outside_0_to_19_is_refused(int nice) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuPriority.OfCurrentThread(nice));

    [Fact]
    public async Task A_postgresql_backend_of_this_machine_takes_the_nice_value_given_to_its_cpu_share()
    {
        var servers = await TestServers.SharedAsync();
        await using var connection = new NpgsqlConnection(servers.ConnectionString("postgres") + $";Application Name=share-{Guid.NewGuid():N};Pooling=false");
        await connection.OpenAsync();
        var own = ThreadPriorities.ShareNice(Environment.ProcessId);
        Assert.Equal(0, ThreadPriorities.ShareNice(connection.ProcessID));

        Assert.True(CpuPriority.OfDatabaseBackend(connection.ProcessID, 7));

        Assert.Equal(7, ThreadPriorities.ShareNice(connection.ProcessID));
        // Its own session's share: this test process's is another (or the machine's default share, where a supervisor
        // started the tests without a session of their own), and keeps its value.
        Assert.Equal(own, ThreadPriorities.ShareNice(Environment.ProcessId));
    }

    [Fact]
    public void A_process_that_is_not_a_postgresql_backend_is_left_alone()
    {
        var own = ThreadPriorities.ShareNice(Environment.ProcessId);
        Assert.False(CpuPriority.OfDatabaseBackend(Environment.ProcessId, own == 7 ? 8 : 7));
        Assert.Equal(own, ThreadPriorities.ShareNice(Environment.ProcessId));
        Assert.False(CpuPriority.OfDatabaseBackend(int.MaxValue, 7));
    }
}
