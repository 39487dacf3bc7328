package io.qpeft.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A compact map from record key to byte offset in a line-oriented file, so that single records of a
 * multi-gigabyte collection can be read by random access without holding any text in memory.
 *
 * <p>Keys are 64-bit hashes of the record id's UTF-8 bytes (collisions are resolved by the caller,
 * which checks the id of the line it reads). The index is two sorted {@code long} arrays, 16 bytes
 * per record (21M DPR passages: 336 MB), persisted in a sidecar file and memory-mapped read-only,
 * so the Java heap holds none of it. Layout (big-endian longs): magic, version, source size, source
 * modification time (ms), count, keys[count] ascending, offsets[count]. A sidecar whose size or
 * time no longer matches its source is rebuilt.
 */
final class OffsetIndex {
  private static final long MAGIC = 0x5150494458303031L; // "QPIDX001"
  private static final long VERSION = 1;
  private static final int HEADER_LONGS = 5;
  private static final int CHUNK_LONGS = 1 << 27; // 1 GiB per mapping

  /** Extracts a record key from one line; returns false for lines that hold no record. */
  interface KeyExtractor {
    /** Returns the key hash of line {@code buf[start, end)}, or {@code null} to skip it. */
    Long key(byte[] buf, int start, int end, long lineNumber) throws IOException;
  }

  /** Receives each line of a file with its byte offset (lines exclude the terminator). */
  interface LineVisitor {
    void line(byte[] buf, int start, int end, long offset, long lineNumber) throws IOException;
  }

  private final LongArray keys;
  private final LongArray offsets;
  private final long count;

  private OffsetIndex(LongArray keys, LongArray offsets, long count) {
    this.keys = keys;
    this.offsets = offsets;
    this.count = count;
  }

  long size() {
    return count;
  }

  /** Offsets of all records whose key equals {@code key} (usually zero or one). */
  long[] lookup(long key) {
    long lo = 0;
    long hi = count; // first index with keys[i] >= key
    while (lo < hi) {
      long mid = (lo + hi) >>> 1;
      if (keys.get(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    long end = lo;
    while (end < count && keys.get(end) == key) end++;
    long[] out = new long[(int) (end - lo)];
    for (long i = lo; i < end; i++) out[(int) (i - lo)] = offsets.get(i);
    return out;
  }

  /**
   * Opens the sidecar index of {@code source}, building it first when missing or stale. When the
   * sidecar cannot be written (read-only folder) the index is kept on the heap instead.
   */
  static OffsetIndex openOrBuild(Path source, Path sidecar, KeyExtractor extractor)
      throws IOException {
    long size = Files.size(source);
    long mtime = Files.getLastModifiedTime(source).toMillis();
    if (Files.isRegularFile(sidecar)) {
      OffsetIndex loaded = load(sidecar, size, mtime);
      if (loaded != null) return loaded;
    }
    long[][] built = build(source, extractor);
    try {
      write(sidecar, built[0], built[1], size, mtime);
      OffsetIndex loaded = load(sidecar, size, mtime);
      if (loaded != null) return loaded;
    } catch (IOException e) {
      // Read-only folder: fall back to heap arrays (16 bytes a record).
    }
    return new OffsetIndex(LongArray.heap(built[0]), LongArray.heap(built[1]), built[0].length);
  }

  /** Scans {@code source} once, returning sorted keys and their offsets. */
  static long[][] build(Path source, KeyExtractor extractor) throws IOException {
    long[] keys = new long[1 << 16];
    long[] offs = new long[1 << 16];
    int[] n = {0};
    long[][] holder = {keys, offs};
    scanLines(
        source,
        (buf, start, end, offset, lineNumber) -> {
          Long key = extractor.key(buf, start, end, lineNumber);
          if (key == null) return;
          if (n[0] == holder[0].length) {
            holder[0] = Arrays.copyOf(holder[0], holder[0].length * 2);
            holder[1] = Arrays.copyOf(holder[1], holder[1].length * 2);
          }
          holder[0][n[0]] = key;
          holder[1][n[0]] = offset;
          n[0]++;
        });
    keys = Arrays.copyOf(holder[0], n[0]);
    offs = Arrays.copyOf(holder[1], n[0]);
    sortPairs(keys, offs, 0, keys.length);
    return new long[][] {keys, offs};
  }

  /**
   * Calls {@code visitor} for every line of {@code file} with its byte offset; one 1 MiB buffer.
   */
  static void scanLines(Path file, LineVisitor visitor) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int len = 0;
      int start = 0;
      int scanFrom = 0;
      long base = 0; // file offset of buf[0]
      long lineNumber = 0;
      while (true) {
        int read = in.read(buf, len, buf.length - len);
        if (read < 0) {
          if (start < len)
            visitor.line(buf, start, trimCr(buf, start, len), base + start, ++lineNumber);
          return;
        }
        len += read;
        for (int i = scanFrom; i < len; i++) {
          if (buf[i] == '\n') {
            visitor.line(buf, start, trimCr(buf, start, i), base + start, ++lineNumber);
            start = i + 1;
          }
        }
        if (start > 0) { // keep the unfinished line at the front of the buffer
          System.arraycopy(buf, start, buf, 0, len - start);
          base += start;
          len -= start;
          start = 0;
        } else if (len == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
        }
        scanFrom = len;
      }
    }
  }

  private static int trimCr(byte[] buf, int start, int end) {
    return end > start && buf[end - 1] == '\r' ? end - 1 : end;
  }

  /** 64-bit hash of UTF-8 bytes: FNV-1a followed by the MurmurHash3 finaliser for good mixing. */
  static long hash(byte[] bytes, int start, int end) {
    long h = 0xcbf29ce484222325L;
    for (int i = start; i < end; i++) {
      h ^= bytes[i] & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  static long hash(String id) {
    byte[] b = id.getBytes(StandardCharsets.UTF_8);
    return hash(b, 0, b.length);
  }

  private static void write(Path sidecar, long[] keys, long[] offs, long size, long mtime)
      throws IOException {
    try (AtomicOutput output = new AtomicOutput(sidecar)) {
      DataOutputStream out = new DataOutputStream(output.stream());
      out.writeLong(MAGIC);
      out.writeLong(VERSION);
      out.writeLong(size);
      out.writeLong(mtime);
      out.writeLong(keys.length);
      for (long k : keys) out.writeLong(k);
      for (long o : offs) out.writeLong(o);
      out.flush();
      output.commit();
    }
  }

  /** The mapped index, or null when the sidecar is not ours or no longer matches its source. */
  private static OffsetIndex load(Path sidecar, long size, long mtime) throws IOException {
    try (FileChannel ch = FileChannel.open(sidecar, StandardOpenOption.READ)) {
      if (ch.size() < HEADER_LONGS * 8L) return null;
      ByteBuffer header = ByteBuffer.allocate(HEADER_LONGS * 8);
      ch.read(header, 0);
      header.flip();
      if (header.getLong() != MAGIC || header.getLong() != VERSION) return null;
      if (header.getLong() != size || header.getLong() != mtime) return null;
      long count = header.getLong();
      if (ch.size() != (HEADER_LONGS + 2 * count) * 8L) return null;
      LongArray keys = LongArray.map(ch, HEADER_LONGS * 8L, count);
      LongArray offs = LongArray.map(ch, (HEADER_LONGS + count) * 8L, count);
      return new OffsetIndex(keys, offs, count); // mappings stay valid after the channel closes
    }
  }

  /** Sorts {@code keys[from, to)} ascending, permuting {@code offs} alongside (ties by offset). */
  static void sortPairs(long[] keys, long[] offs, int from, int to) {
    while (to - from > 16) {
      int mid = (from + to) >>> 1;
      // median of three as pivot, so sorted or reverse-sorted input stays O(n log n)
      int p = median(keys, offs, from, mid, to - 1);
      long pk = keys[p];
      long po = offs[p];
      int i = from;
      int j = to - 1;
      while (i <= j) {
        while (less(keys[i], offs[i], pk, po)) i++;
        while (less(pk, po, keys[j], offs[j])) j--;
        if (i <= j) swap(keys, offs, i++, j--);
      }
      // recurse into the smaller part, loop on the larger: O(log n) stack
      if (j - from < to - i) {
        sortPairs(keys, offs, from, j + 1);
        from = i;
      } else {
        sortPairs(keys, offs, i, to);
        to = j + 1;
      }
    }
    for (int i = from + 1; i < to; i++) {
      for (int j = i; j > from && less(keys[j], offs[j], keys[j - 1], offs[j - 1]); j--) {
        swap(keys, offs, j, j - 1);
      }
    }
  }

  private static boolean less(long k1, long o1, long k2, long o2) {
    return k1 < k2 || (k1 == k2 && o1 < o2);
  }

  private static int median(long[] k, long[] o, int a, int b, int c) {
    if (less(k[a], o[a], k[b], o[b])) {
      if (less(k[b], o[b], k[c], o[c])) return b;
      return less(k[a], o[a], k[c], o[c]) ? c : a;
    }
    if (less(k[a], o[a], k[c], o[c])) return a;
    return less(k[b], o[b], k[c], o[c]) ? c : b;
  }

  private static void swap(long[] k, long[] o, int i, int j) {
    long t = k[i];
    k[i] = k[j];
    k[j] = t;
    t = o[i];
    o[i] = o[j];
    o[j] = t;
  }

  /** A long array on the heap or memory-mapped in 1 GiB chunks (a mapping is limited to 2 GiB). */
  private interface LongArray {
    long get(long i);

    static LongArray heap(long[] values) {
      return i -> values[(int) i];
    }

    static LongArray map(FileChannel ch, long byteOffset, long count) throws IOException {
      int chunks = (int) ((count + CHUNK_LONGS - 1) / CHUNK_LONGS);
      LongBuffer[] parts = new LongBuffer[Math.max(chunks, 1)];
      for (int c = 0; c < chunks; c++) {
        long first = (long) c * CHUNK_LONGS;
        long n = Math.min(CHUNK_LONGS, count - first);
        parts[c] =
            ch.map(FileChannel.MapMode.READ_ONLY, byteOffset + first * 8, n * 8).asLongBuffer();
      }
      return i -> parts[(int) (i / CHUNK_LONGS)].get((int) (i % CHUNK_LONGS));
    }
  }
}
