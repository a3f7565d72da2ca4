import { Link } from '../router';
import { Empty } from '../components/ui';

export function NotFoundPage() {
  return (
    <Empty title="This page does not exist">
      <Link to="/">Back to the dashboard</Link>
    </Empty>
  );
}
