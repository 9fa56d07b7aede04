import { useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';

interface Overflow {
  /** The table is wider than its box. */
  scrolls: boolean;
  /** Columns hidden to the right, and to the left. */
  right: boolean;
  left: boolean;
}

/** Watches an element's horizontal overflow as it resizes, its content changes or it is scrolled. */
function useOverflow() {
  const ref = useRef<HTMLDivElement>(null);
  const [overflow, setOverflow] = useState<Overflow>({ scrolls: false, right: false, left: false });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => {
      const scrolls = element.scrollWidth > element.clientWidth + 1;
      const right = scrolls && element.scrollLeft + element.clientWidth < element.scrollWidth - 1;
      const left = scrolls && element.scrollLeft > 1;
      setOverflow((current) =>
        current.scrolls === scrolls && current.right === right && current.left === left ? current : { scrolls, right, left },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    element.addEventListener('scroll', measure, { passive: true });
    return () => {
      observer.disconnect();
      element.removeEventListener('scroll', measure);
    };
  }, []);
  return { ref, overflow };
}

/**
 * A table's box: it scrolls sideways when the table is wider than the screen, and then says so: the edge with
 * hidden columns fades, and a line under it tells to scroll. Scrolling it works by keyboard too (it takes focus).
 */
export function TableWrap({ label, children, style }: { label: string; children: ReactNode; style?: CSSProperties }) {
  const { ref, overflow } = useOverflow();
  return (
    <div className="table-frame" style={style} data-more-right={overflow.right} data-more-left={overflow.left}>
      <div
        ref={ref}
        className="table-wrap"
        data-scrolls={overflow.scrolls}
        {...(overflow.scrolls ? { tabIndex: 0, role: 'region', 'aria-label': `${label} (scrolls sideways)` } : {})}
      >
        {children}
      </div>
      {overflow.scrolls && (
        <div className="scroll-hint" data-testid="scroll-hint">
          {overflow.right ? 'More columns to the right: scroll sideways →' : '← Scroll back for the first columns'}
        </div>
      )}
    </div>
  );
}
