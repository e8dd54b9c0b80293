// A loss curve on a canvas: every batch's loss as a faint line, each epoch's mean as a bold one.

/**
 * Draws `batches` (one loss per batch) and `epochs` (`{ batch, loss }`: the mean loss of the
 * epoch that ended at that batch count) on `canvas`, scaled to its CSS size.
 * @param {HTMLCanvasElement} canvas
 * @param {number[]} batches
 * @param {{ batch: number, loss: number }[]} epochs
 */
export function drawLossChart(canvas, batches, epochs) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const box = { left: 44, right: width - 12, top: 12, bottom: height - 28 };
  const top = Math.max(1, Math.ceil(Math.max(...batches.slice(0, 20), 0)));
  const count = Math.max(batches.length, 10);
  const x = (i) => box.left + ((box.right - box.left) * i) / (count - 1);
  const y = (v) => box.bottom - ((box.bottom - box.top) * Math.min(v, top)) / top;
  drawAxes(g, box, top, count);
  line(
    g,
    batches.map((v, i) => [x(i), y(v)]),
    'rgba(37, 99, 235, 0.35)',
    1,
  );
  line(
    g,
    epochs.map((e) => [x(e.batch - 1), y(e.loss)]),
    'rgb(29, 78, 216)',
    2.5,
  );
}

function drawAxes(g, box, top, count) {
  g.strokeStyle = '#d4d4d8';
  g.fillStyle = '#52525b';
  g.font = '12px system-ui, sans-serif';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    const y = box.bottom - ((box.bottom - box.top) * i) / 4;
    g.beginPath();
    g.moveTo(box.left, y);
    g.lineTo(box.right, y);
    g.stroke();
    g.fillText(v.toFixed(1), box.left - 6, y);
  }
  g.textAlign = 'left';
  g.textBaseline = 'top';
  g.fillText('0', box.left, box.bottom + 8);
  g.textAlign = 'right';
  g.fillText(`${count - 1} batches`, box.right, box.bottom + 8);
}

function line(g, points, color, width) {
  if (points.length < 2) return;
  g.strokeStyle = color;
  g.lineWidth = width;
  g.lineJoin = 'round';
  g.beginPath();
  points.forEach(([px, py], i) => (i === 0 ? g.moveTo(px, py) : g.lineTo(px, py)));
  g.stroke();
}
