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
}
