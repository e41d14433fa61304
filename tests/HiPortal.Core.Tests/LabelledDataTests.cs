using System.Buffers.Binary;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using HiPortal.Testing.Data;

namespace HiPortal.Core.Tests;

public sealed class LabelledDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hiportal-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Npz_Int16Samples_AndInt64Labels_ReadAsWireBytesAndBytes()
    {
        short[] x = [1, -2, 300, -32768, 32767, 0];
        var path = Path.Combine(_dir, "v.npz");
        NpyWriter.WriteNpz(path, ("x", NpyWriter.Npy("<i2", [2, 1, 3], NpyWriter.Int16(x))), ("y", NpyWriter.Npy("<i8", [2], NpyWriter.Int64([3, 0]))));

        var samples = LabelledData.Load(new LabelledDataSource(path));

        Assert.Equal((SampleDatatype.Int16, 3, 6, 2), (samples.Datatype, samples.SampleLength, samples.SampleBytes, samples.Count));
        Assert.Equal(-32768, BinaryPrimitives.ReadInt16LittleEndian(samples.Sample(1)));
        Assert.Equal(300, BinaryPrimitives.ReadInt16LittleEndian(samples.Sample(0)[4..]));
        Assert.Equal([3, 0], samples.Labels.ToArray());
    }

    [Fact]
    public void Npy_SamplesAndLabelsInTwoFiles_WithNamedNpzArrays()
    {
        var x = Write("x.npy", NpyWriter.Npy("|u1", [3, 2, 2], Enumerable.Range(0, 12).Select(i => (byte)i).ToArray()));
        var npz = Path.Combine(_dir, "labels.npz");
        NpyWriter.WriteNpz(npz, ("truth", NpyWriter.Npy("<i4", [3], [1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0])));

        var samples = LabelledData.Load(new LabelledDataSource(x, npz, LabelsArray: "truth"));

        Assert.Equal(SampleDatatype.Uint8, samples.Datatype);
        Assert.Equal([8, 9, 10, 11], samples.Sample(2).ToArray());
        Assert.Equal([1, 2, 9], samples.Labels.ToArray());
    }

    [Fact]
    public void Npy_Float32_ReadsValuesLittleEndian()
    {
        var path = Write("f.npy", NpyWriter.Npy("<f4", [1, 2], NpyWriter.Float32([0.25f, -1.5f])));

        var array = Npy.Read(path);

        Assert.Equal((ElementType.Float32, 2L), (array.Type, array.Count));
        Assert.Equal(-1.5f, BinaryPrimitives.ReadSingleLittleEndian(array.Data.AsSpan(4)));
    }

    [Theory]
    [InlineData(">i2", "dtype '>i2' is not supported")]
    [InlineData("<f8", "dtype '<f8' is not supported")]
    public void Npy_UnsupportedDtype_IsRefusedNamingTheFile(string descr, string message)
    {
        var path = Write("bad.npy", NpyWriter.Npy(descr, [1], new byte[8]));

        var ex = Assert.Throws<InvalidDataException>(() => Npy.Read(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Npy_FortranOrder_AndShortData_AreRefused()
    {
        var fortran = Write("f.npy", NpyWriter.Npy("|u1", [2, 2], new byte[4], fortranOrder: true));
        var shortData = Write("s.npy", NpyWriter.Npy("<i2", [4], new byte[6]));

        Assert.Contains("Fortran-order", Assert.Throws<InvalidDataException>(() => Npy.Read(fortran)).Message);
        Assert.Contains("needs 8 bytes of data, the file has 6", Assert.Throws<InvalidDataException>(() => Npy.Read(shortData)).Message);
    }

    [Fact]
    public void Npz_MissingArray_NamesTheArchiveAndWhatItHas()
    {
        var path = Path.Combine(_dir, "a.npz");
        NpyWriter.WriteNpz(path, ("images", NpyWriter.Npy("|u1", [1, 1], [0])), ("y", NpyWriter.Npy("|u1", [1], [0])));

        var ex = Assert.Throws<InvalidDataException>(() => LabelledData.Load(new LabelledDataSource(path)));

        Assert.Equal($"{path}: no array 'x' (it has images, y)", ex.Message);
    }

    [Fact]
    public void LabelCountMismatch_AndOutOfRangeLabels_AreRefusedNamingTheArray()
    {
        var path = Path.Combine(_dir, "m.npz");
        NpyWriter.WriteNpz(path, ("x", NpyWriter.Npy("|u1", [2, 1], [0, 0])), ("y", NpyWriter.Npy("<i8", [1], NpyWriter.Int64([0]))),
            ("big", NpyWriter.Npy("<i8", [2], NpyWriter.Int64([1, 256]))));

        var count = Assert.Throws<InvalidDataException>(() => LabelledData.Load(new LabelledDataSource(path)));
        var range = Assert.Throws<InvalidDataException>(() => LabelledData.Load(new LabelledDataSource(path, LabelsArray: "big")));

        Assert.Equal($"{path}:y: 1 labels for 2 samples in {path}:x", count.Message);
        Assert.Equal($"{path}:big: label 256 at index 1 is outside 0..255", range.Message);
    }

    [Fact]
    public void Idx_GzippedShorts_AreConvertedFromBigEndian()
    {
        var samples = Write("s.idx.gz", NpyWriter.Gzip(NpyWriter.Idx(0x0B, [2, 2], [0x01, 0x02, 0xFF, 0xFE, 0x00, 0x00, 0x80, 0x00])));
        var labels = Write("l.idx", NpyWriter.Idx(0x08, [2], [4, 7]));

        var data = LabelledData.Load(new LabelledDataSource(samples, labels));

        Assert.Equal(SampleDatatype.Int16, data.Datatype);
        Assert.Equal(0x0102, BinaryPrimitives.ReadInt16LittleEndian(data.Sample(0)));
        Assert.Equal(-2, BinaryPrimitives.ReadInt16LittleEndian(data.Sample(0)[2..]));
        Assert.Equal(short.MinValue, BinaryPrimitives.ReadInt16LittleEndian(data.Sample(1)[2..]));
        Assert.Equal([4, 7], data.Labels.ToArray());
    }

    [Fact]
    public void Idx_SizeMismatch_AndUnknownType_AreRefused()
    {
        var cut = Write("cut.idx", NpyWriter.Idx(0x08, [3], [1, 2]));
        var doubles = Write("d.idx", NpyWriter.Idx(0x0E, [1], new byte[8]));

        Assert.Equal($"{cut}: header says 3 bytes of data, file has 2", Assert.Throws<InvalidDataException>(() => Idx.Read(cut)).Message);
        Assert.Contains("IDX type 0x0e is not supported", Assert.Throws<InvalidDataException>(() => Idx.Read(doubles)).Message);
    }

    [Fact]
    public void SamplesFileWithoutLabels_IsRefused()
    {
        var x = Write("x.npy", NpyWriter.Npy("|u1", [1, 1], [0]));

        Assert.Contains("a labels file is needed", Assert.Throws<ArgumentException>(() => LabelledData.Load(new LabelledDataSource(x))).Message);
    }
}
