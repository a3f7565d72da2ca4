using System.Collections.Concurrent;
using OraServ.Invoicing.Pdf;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

/// <summary>
/// Renders the PDFs that services fetch to attach to emails on threads of their own below normal priority
/// (<see cref="CpuPriority"/>, nice <see cref="Nice"/>). An email's PDF has nobody watching it load; a burst of sends sets
/// off one per invoice, and drawn on the request threads they took the CPU that the sends themselves and a
/// dispatcher's own PDF downloads wait for. A PDF a person asked for is still drawn at once, on the request's thread.
/// </summary>
public sealed class AttachmentRenderer : IDisposable
{
    public const int Nice = 10;

    private readonly BlockingCollection<(InvoiceDocument Document, TaskCompletionSource<byte[]> Done, CancellationToken Ct)> _waiting = [];
    private readonly Thread[] _threads;

    public AttachmentRenderer()
    {
        // As many as the cores: when nothing else runs, the attachments still get the whole machine.
        _threads = [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 4)).Select(n => new Thread(Work)
        {
            IsBackground = true,
            Name = $"PDF attachments {n}",
        })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>The invoice's PDF, drawn when the attachment threads get to it.</summary>
    public Task<byte[]> RenderAsync(InvoiceDocument document, CancellationToken ct)
    {
        var done = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Add((document, done, ct), ct);
        return done.Task.WaitAsync(ct);
    }

    public void Dispose()
    {
        _waiting.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
        _waiting.Dispose();
    }

    private void Work()
    {
        CpuPriority.OfCurrentThread(Nice);
        foreach (var (document, done, ct) in _waiting.GetConsumingEnumerable())
        {
            // The caller gave up waiting (its request was aborted): nobody reads this one.
            if (ct.IsCancellationRequested)
            {
                done.TrySetCanceled(ct);
                continue;
            }
            try
            {
                done.TrySetResult(InvoicePdf.Render(document));
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }
    }
}
