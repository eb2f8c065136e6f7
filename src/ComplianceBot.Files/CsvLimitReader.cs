namespace ComplianceBot.Files;

/// <summary>
/// Passes CSV text through unchanged until a row has more than <see cref="TabularReader.MaxColumns"/> + 1 cells
/// or a cell more than <see cref="RawCellLimit"/> characters; past that it drops the rest of the row or cell, so
/// the parser behind it never holds more than one bounded row, whatever the file. Quotes are followed as
/// CsvHelper follows them (a field is quoted when it starts with a quote; "" inside is one quote), so a quoted
/// comma or line break is not taken for a cell or row end. Checks the cancellation token on every read.
/// </summary>
internal sealed class CsvLimitReader(TextReader inner, CancellationToken stop) : TextReader
{
    /// <summary>Raw characters of a cell passed on: the cap, its two quotes and one more, so that a cut cell is seen to be over the cap.</summary>
    public const int RawCellLimit = TabularReader.MaxCellCharacters + 3;

    private readonly char[] _in = new char[4096];
    private readonly char[] _out = new char[4096 + 2];
    private int _outStart;
    private int _outEnd;
    private bool _ended;

    private bool _rowStarted;
    private int _cells;
    private int _fieldRaw;
    private bool _quoted;
    private bool _inQuotes;
    private bool _bad;
    private char _prev;
    private Mode _mode;
    private bool _outInQuotes;

    private enum Mode
    {
        Pass,
        DropCell,
        DropRow,
    }

    public override int Read(Span<char> buffer)
    {
        while (_outStart == _outEnd && !_ended)
        {
            stop.ThrowIfCancellationRequested();
            Filter(inner.Read(_in, 0, _in.Length));
        }

        return CopyOut(buffer);
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Peek()
    {
        while (_outStart == _outEnd && !_ended)
        {
            stop.ThrowIfCancellationRequested();
            Filter(inner.Read(_in, 0, _in.Length));
        }

        return _outStart == _outEnd ? -1 : _out[_outStart];
    }

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        while (_outStart == _outEnd && !_ended)
        {
            stop.ThrowIfCancellationRequested();
            cancellationToken.ThrowIfCancellationRequested();
            Filter(await inner.ReadAsync(_in.AsMemory(), stop).ConfigureAwait(false));
        }

        return CopyOut(buffer.Span);
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) => ReadAsync(buffer.AsMemory(index, count)).AsTask();

    private int CopyOut(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _outEnd - _outStart);
        _out.AsSpan(_outStart, n).CopyTo(buffer);
        _outStart += n;
        return n;
    }

    private void Filter(int read)
    {
        _outStart = 0;
        _outEnd = 0;
        if (read == 0)
        {
            _ended = true;
            if (_mode != Mode.Pass && _outInQuotes) Emit('"');
            return;
        }

        for (var i = 0; i < read; i++)
        {
            var c = _in[i];
            if (!_rowStarted)
            {
                if (c is '\r' or '\n')
                {
                    Emit(c);
                    continue;
                }

                _rowStarted = true;
                _cells = 1;
                StartField();
            }

            if (!_inQuotes && c is ',' or '\r' or '\n')
            {
                if (_mode != Mode.Pass && _outInQuotes) Emit('"');
                _outInQuotes = false;
                if (c == ',')
                {
                    _cells++;
                    StartField();
                    if (_mode == Mode.DropRow) continue;
                    if (_cells > TabularReader.MaxColumns + 1)
                    {
                        _mode = Mode.DropRow;
                        continue;
                    }

                    _mode = Mode.Pass;
                    Emit(c);
                }
                else
                {
                    _mode = Mode.Pass;
                    _rowStarted = false;
                    Emit(c);
                }

                continue;
            }

            var wasInQuotes = _inQuotes;
            if (_fieldRaw == 0) _quoted = c == '"';
            if (_quoted && c == '"')
            {
                if (!_inQuotes && _fieldRaw != 0 && _prev != '"') _bad = true;
                else if (!_bad) _inQuotes = !_inQuotes;
            }

            _fieldRaw++;
            _prev = c;
            if (_mode == Mode.Pass && _fieldRaw > RawCellLimit)
            {
                _mode = Mode.DropCell;
                _outInQuotes = wasInQuotes;
            }

            if (_mode == Mode.Pass) Emit(c);
        }
    }

    private void StartField()
    {
        _fieldRaw = 0;
        _quoted = false;
        _inQuotes = false;
        _bad = false;
    }

    private void Emit(char c) => _out[_outEnd++] = c;

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
