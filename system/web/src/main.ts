// Entry point of the browser app (built by Vite into build/web).
import './styles.css';
import './app.ts';
