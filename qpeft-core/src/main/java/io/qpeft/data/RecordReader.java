package io.qpeft.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazily read sequence of records from a file: an iterator that owns an open file, so it must be
 * closed (try-with-resources). Records come in file order; nothing is read ahead beyond one record.
 *
 * <p>I/O errors surface as {@link UncheckedIOException}, malformed records as {@link
 * BadRecordException} (or go to the reader's {@link ErrorPolicy}).
 */
public interface RecordReader<T> extends Iterator<T>, Closeable {

  @Override
  void close();

  /** A sequential stream over the remaining records; closing the stream closes this reader. */
  default Stream<T> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /** This reader with {@code f} applied to every record. */
  default <R> RecordReader<R> map(Function<? super T, ? extends R> f) {
    RecordReader<T> self = this;
    return new RecordReader<>() {
      @Override
      public boolean hasNext() {
        return self.hasNext();
      }

      @Override
      public R next() {
        return f.apply(self.next());
      }

      @Override
      public void close() {
        self.close();
      }
    };
  }

  /**
   * Base class for readers that compute the next record on demand: subclasses implement {@link
   * #read()}, returning {@code null} at the end of the input.
   */
  abstract class Lazy<T> implements RecordReader<T> {
    private T next;
    private boolean done;

    /** The next record, or {@code null} when the input is exhausted. */
    protected abstract T read() throws IOException;

    @Override
    public final boolean hasNext() {
      if (next != null) return true;
      if (done) return false;
      try {
        next = read();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (next == null) done = true;
      return next != null;
    }

    @Override
    public final T next() {
      if (!hasNext()) throw new NoSuchElementException();
      T out = next;
      next = null;
      return out;
    }
  }
}
